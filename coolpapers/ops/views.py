"""/healthz: one JSON answer for load balancers, orchestrators and people."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
