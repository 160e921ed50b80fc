"""Counting stars: one per browser, paper and day, with a per-address rate limit.

The browser id is the server's: /csrf sets it as a signed, HttpOnly cookie (pages are cached,
so they cannot carry it), at most STAR_BROWSER_RATE new ids per address, so a client can
neither choose ids nor mint one per click; the star view only accepts a validly signed one.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from coolpapers.browse.models import Star
from coolpapers.web.client import client_address
from coolpapers.web.ratelimit import hit, hit_window

BROWSER_COOKIE = "browser"
BROWSER_SALT = "coolpapers.browse.browser"
BROWSER_MAX_AGE = 365 * 24 * 3600


class InvalidBrowserId(ValueError):
    """The request carries no browser id this site issued."""


def browser_id(request: HttpRequest) -> str:
    """The id of the signed cookie /csrf set; InvalidBrowserId when missing or forged."""
    value = request.get_signed_cookie(
        BROWSER_COOKIE, default=None, salt=BROWSER_SALT, max_age=BROWSER_MAX_AGE
    )
    if not value:
        raise InvalidBrowserId("no browser id: GET /csrf first, with cookies enabled")
    return value


def issue_browser_id(request: HttpRequest, response: HttpResponse) -> bool:
    """Give the browser an id unless it has one; False when its address got too many of late."""
    try:
        browser_id(request)
        return True
    except InvalidBrowserId:
        pass
    rate = settings.STAR_BROWSER_RATE
    if hit("star-browser", client_address(request.META), rate) is not None:
        return False
    response.set_signed_cookie(
        BROWSER_COOKIE,
        secrets.token_urlsafe(24),
        salt=BROWSER_SALT,
        max_age=BROWSER_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return True


def client_key(browser: str) -> str:
    """A keyed hash, so the table never holds the ids browsers send."""
    return salted_hmac("coolpapers.browse.star", browser, algorithm="sha256").hexdigest()


def record_star(paper_id: str, browser: str, day: date) -> bool:
    """Count a click; False when this browser already starred the paper that day."""
    key = client_key(browser)
    try:
        with transaction.atomic():
            Star.objects.create(paper_id=paper_id, client_key=key, day=day)
    except IntegrityError:
        return False
    return True


def star_count(paper_field: str = "pk") -> Coalesce:
    """An annotation with the paper's total stars; `paper_field` is the paper id on the row."""
    counts = (
        Star.objects.filter(paper_id=OuterRef(paper_field))
        .order_by()
        .values("paper_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def throttle(client: str, now: float | None = None) -> int | None:
    """Count one star request of `client`; the seconds to wait when over the limit.

    STAR_RATE_LIMIT requests in any STAR_RATE_WINDOW seconds (defaults 30 per 60) per client.
    """
    limit = settings.STAR_RATE_LIMIT
    window = settings.STAR_RATE_WINDOW
    return hit_window("star", client, limit, window, now)
