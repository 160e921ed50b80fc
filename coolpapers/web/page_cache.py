"""Whole pages from the cache: the HTML a reader gets is the same for everyone, so a page
rendered once serves every reader until the data behind it changes or PAGE_CACHE_SECONDS
pass (star counts, which change with every click, may lag by that much).

Pages of anonymous readers hold nothing per reader (a signed-in reader's pages are rendered
for them and never stored): the CSRF token comes from /csrf when a script needs it and
the formulas setting is read from its cookie by math.js. The cache key holds a stamp that
ingestion, new keywords and related lists, and staff notes change (`invalidate`), so new
data shows at once. With the cache down (Redis stopped) every request simply renders.

A page depends on its path, the query parameters its view declares and the interface
language (coolpapers.web.language), nothing else: the view sees only those parameters (the
last value of each) and the key is made of them in a fixed order, so junk or repeated
parameters, their order or their percent-encoding never make another cache entry.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

STAMP_KEY = "pages:stamp"
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Link")


def _timeout() -> int:
    return int(settings.PAGE_CACHE_SECONDS)


def _stamp() -> int:
    """The current stamp. A lost one (a cache culled, flushed or restarted) starts again from
    the clock, above every stamp before it, so pages stored under an old stamp never return."""
    stamp = cache.get(STAMP_KEY)
    if stamp is None:
        cache.add(STAMP_KEY, time.time_ns(), None)
        stamp = cache.get(STAMP_KEY, 0)
    return stamp


def invalidate(**_: Any) -> None:
    """Every cached page is out of date (usable as a signal receiver)."""
    try:
        cache.incr(STAMP_KEY)
    except ValueError:
        cache.add(STAMP_KEY, time.time_ns(), None)


def _signed_in(request: HttpRequest) -> bool:
    """Whether the request comes from a signed-in reader. Without a session cookie nothing is
    read; with one the session is, and a database that cannot answer (an outage) makes the
    reader anonymous, so the cached page, which holds nothing personal, is still served."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    try:
        return bool(user is not None and user.is_authenticated)
    except DatabaseError:
        return False


def _canonical_query(request: HttpRequest, params: tuple[str, ...]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name in params:
        if name in request.GET:
            query[name] = request.GET[name]
    query._mutable = False
    return query


def _key(request: HttpRequest) -> str:
    """One entry per page and interface language (set by the language middleware)."""
    url = f"{request.path}?{request.GET.urlencode()}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:32]
    return f"page:{_stamp()}:{get_language() or settings.LANGUAGE_CODE}:{digest}"


def cached_page(
    view: Callable[..., HttpResponse] | None = None, *, params: tuple[str, ...] = ()
) -> Any:
    """Serve GET/HEAD 200s of `view` from the cache; anything else (or a response the view
    marked `no-store`) renders every time.

    `@cached_page(params=("date", "page"))` names the query parameters the view reads; it
    gets a request.GET with those alone, so key and page cannot disagree.
    """
    if view is None:
        return lambda view: cached_page(view, params=params)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.GET = _canonical_query(request, params)
        timeout = _timeout()
        if _signed_in(request):
            # A signed-in reader's page holds their own header, controls and marks.
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response
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
        if (
            response.status_code == 200
            and not response.cookies
            and not response.streaming
            and "no-store" not in response.get("Cache-Control", "")  # the view says: not this one
        ):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            headers = [(n, response[n]) for n in _KEPT_HEADERS if n in response]
            cache.set(key, (response.content, headers), timeout)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
