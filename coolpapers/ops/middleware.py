"""Site-wide response rules: the Content-Security-Policy, a per-client limit on the search pages,
and a short 503 instead of a traceback when the database or the task queue is unreachable."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from coolpapers.ingestion.control import QueueUnavailable
from coolpapers.web.client import client_address
from coolpapers.web.ratelimit import hit
from search.backends.base import SearchTimeout

log = logging.getLogger(__name__)

RETRY_AFTER = 30  # seconds a client is asked to wait while a service is down
RATE_LIMITED_VIEWS = {"search:search", "search:chunk", "search:feed"}


def csp_header(policy: dict[str, list[str]]) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Adds CONTENT_SECURITY_POLICY to every response that does not set its own.

    Django 5.2 has no CSP support (6.0 adds it); the policy is one constant header, as the site
    needs no per-request nonces: every script is a file served from 'self'.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = csp_header(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response


class SearchRateLimitMiddleware:
    """SEARCH_RATE per client address on the search page, its chunks and its feed.

    Each search costs an index query, so one client must not be able to keep the workers
    busy. The API has DRF's throttles (API_RATE_ANON); this is the same for the HTML side.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name not in RATE_LIMITED_VIEWS:
            return None
        wait = hit("search", client_address(request.META), settings.SEARCH_RATE)
        if wait is None:
            return None
        response = HttpResponse(
            gettext("Too many searches from your address; try again in %(wait)s s.")
            % {"wait": wait},
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(wait)
        return response


class ServiceUnavailableMiddleware:
    """A view that hits an unreachable database or broker answers 503 with a short message.

    Without this a database outage is a 500 with a logged traceback per request. Staff who
    start a job while the broker is down get an admin message instead: the job is saved and
    sent later (see coolpapers.ops.tasks.send_waiting_jobs).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, QueueUnavailable):
            log.warning("%s", exception)
            messages.warning(request, str(exception))
            return HttpResponseRedirect(reverse("admin:ingestion_ingestionjob_changelist"))
        if isinstance(exception, OperationalError | InterfaceError):
            log.warning("database unavailable for %s: %s", request.path, exception)
            return database_unavailable(request)
        if isinstance(exception, SearchTimeout):  # past SEARCH_TIME_BUDGET (the API's search)
            log.warning("search stopped for %s: %s", request.get_full_path()[:300], exception)
            return database_unavailable(request, str(exception))
        return None


def database_unavailable(
    request: HttpRequest,
    message: str | None = None,
) -> HttpResponse:
    """503 in the client's language: JSON for the API, a small page (no database) otherwise.

    The page's sentences are in the reader's language; the API's `detail` stays English, as
    every other API message (its clients match on it)."""
    if request.path.startswith("/api/"):
        message = message or "The database is unreachable; please try again in a minute."
    else:
        message = message or gettext("The database is unreachable; please try again in a minute.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        page = render_to_string("ops/unavailable.html", {"message": message})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response
