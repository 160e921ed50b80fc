"""Whole pages from the cache: the HTML a reader gets is the same for everyone, so a page
rendered once serves every reader until the data behind it changes or PAGE_CACHE_SECONDS
pass (star counts, which change with every click, may lag by that much).

Pages hold nothing per reader: the CSRF token comes from /csrf when a script needs it and
the formulas setting is read from its cookie by math.js. The cache key holds a stamp that
ingestion, new keywords and related lists, and staff notes change (`invalidate`), so new
data shows at once. With the cache down (Redis stopped) every request simply renders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

STAMP_KEY = "pages:stamp"
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Link")


def _timeout() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 300))


def _stamp() -> int:
    stamp = cache.get(STAMP_KEY)
    if stamp is None:
        cache.add(STAMP_KEY, 1, None)
        stamp = cache.get(STAMP_KEY, 1)
    return stamp


def invalidate(**_: Any) -> None:
    """Every cached page is out of date (usable as a signal receiver)."""
    try:
        cache.incr(STAMP_KEY)
    except ValueError:
        cache.add(STAMP_KEY, 2, None)


def _key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"page:{_stamp()}:{digest}"


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve GET/HEAD 200s of `view` from the cache; anything else renders every time."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        timeout = _timeout()
        if request.method not in ("GET", "HEAD") or timeout <= 0:
            return view(request, *args, **kwargs)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            headers = [(n, response[n]) for n in _KEPT_HEADERS if n in response]
            cache.set(key, (response.content, headers), timeout)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
