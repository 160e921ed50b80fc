"""Sign-in throttling on every form (django-axes): whom an attempt is for, and the page a
locked-out reader gets.

The admin's form posts "username"; allauth's posts "login" and authenticates with an
"email" credential; axes records a success under the user's username. All three name one
account: its email, lower-cased (or the username of an account without one, like staff
made by createsuperuser), so failures and the reset on success count together."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _named(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    for source in (credentials or {}, getattr(request, "POST", {}) or {}):
        for field in ("email", "username", "login"):
            value = source.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account an attempt names (AXES_USERNAME_CALLABLE), as one key per account."""
    named = _named(request, credentials)
    if named is None:
        return None
    users = get_user_model().objects
    user = users.filter(email__iexact=named).order_by("pk").first()
    if user is None:
        user = users.filter(username=named).first()
    if user is not None and user.email:
        return user.email.lower()
    return named.lower() if "@" in named else named


def lockout(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): a 429 page in the site's design
    saying why and for how long, and what still works (a sign-in code, a password reset)."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    return render(request, "account/lockout.html", {"minutes": minutes}, status=429)
