"""/healthz: one JSON answer for load balancers, orchestrators and people; /csrf: the token
the site's scripts send with their POSTs and the browser id stars count by (pages are cached,
so they cannot carry either)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coolpapers.browse.stars import issue_browser_id
from coolpapers.ops.health import check_all


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the broker and the search index all answer; else 503 naming
    what is down. Only names and counts are shown: error details (hosts, ports) are logged."""
    statuses = check_all()
    down = [name for name, status in statuses.items() if not status.ok]
    body = {
        "status": "down" if down else "ok",
        "down": down,
        "checks": {name: {"ok": status.ok, **status.extra} for name, status in statuses.items()},
    }
    return JsonResponse(body, status=503 if down else 200)


@never_cache
@require_GET
def csrf(request: HttpRequest) -> JsonResponse:
    """A CSRF token for this browser (and its cookie, set by the CSRF middleware). A script
    of another site cannot read it: the same-origin policy keeps the response from it.

    A browser without one also gets its id for stars, as a signed HttpOnly cookie."""
    response = JsonResponse({"token": get_token(request)})
    issue_browser_id(request, response)
    return response
