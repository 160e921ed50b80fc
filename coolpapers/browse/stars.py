"""Counting stars: one per browser, paper and day, with a per-IP rate limit in the cache."""

from __future__ import annotations

import math
import re
import time
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.crypto import salted_hmac

from coolpapers.browse.models import Star

# What the browser sends: the random id static/coolpapers/js/browse.js keeps in localStorage.
BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}", re.ASCII)


class InvalidBrowserId(ValueError):
    """The request carries no usable browser id."""


def client_key(browser_id: str) -> str:
    """A keyed hash, so the table never holds the ids browsers send."""
    if not isinstance(browser_id, str) or not BROWSER_ID.fullmatch(browser_id):
        raise InvalidBrowserId("browser must be 16 to 64 letters, digits, '-' or '_'")
    return salted_hmac("coolpapers.browse.star", browser_id, algorithm="sha256").hexdigest()


def record_star(paper_id: str, browser_id: str, day: date) -> bool:
    """Count a click; False when this browser already starred the paper that day."""
    key = client_key(browser_id)
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


def client_address(meta: dict[str, str]) -> str:
    """The address to rate-limit: REMOTE_ADDR, or with STAR_NUM_PROXIES = n trusted proxies in
    front of the site, the address the outermost of them saw (n-th from the right in
    X-Forwarded-For). Addresses further left are written by the client and not trusted."""
    proxies = getattr(settings, "STAR_NUM_PROXIES", 0)
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        return forwarded[-proxies]
    return meta.get("REMOTE_ADDR", "")


def throttle(client: str, now: float | None = None) -> int | None:
    """Count one request of `client` in a fixed window; the seconds to wait when over the limit.

    STAR_RATE_LIMIT requests per STAR_RATE_WINDOW seconds (defaults 30 per 60) per client.
    """
    limit = getattr(settings, "STAR_RATE_LIMIT", 30)
    window = getattr(settings, "STAR_RATE_WINDOW", 60)
    now = time.time() if now is None else now
    bucket = int(now // window)
    key = f"browse:star-rate:{client}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        hits = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=window + 1)
        hits = 1
    if hits <= limit:
        return None
    return max(1, math.ceil((bucket + 1) * window - now))
