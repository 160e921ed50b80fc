"""The address a request came from, as far as the site can trust it: rate limits, star
throttling and login lockouts all count by it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(meta: dict[str, str]) -> str:
    """The address to rate-limit: REMOTE_ADDR, or with STAR_NUM_PROXIES = n trusted proxies in
    front of the site, the address the outermost of them saw (n-th from the right in
    X-Forwarded-For). Addresses further left are written by the client and not trusted."""
    proxies = settings.STAR_NUM_PROXIES
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        return forwarded[-proxies]
    return meta.get("REMOTE_ADDR", "")


def request_address(request: HttpRequest) -> str:
    """client_address of a request (AXES_CLIENT_IP_CALLABLE: login lockouts use the same)."""
    return client_address(request.META)
