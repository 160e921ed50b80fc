"""What /healthz and the container health check ask: can the database, the Celery broker and the
search index each answer right now."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from coolpapers.celery import app as celery_app
from search.backends import get_backend

log = logging.getLogger(__name__)

BROKER_TIMEOUT = 2.0  # seconds; a probe must answer well within the orchestrator's timeout


@dataclass
class Status:
    ok: bool
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def database() -> Status:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure is "down"; the probe itself must not fail
        return Status(False, f"{type(exc).__name__}: {exc}")
    return Status(True)


def broker() -> Status:
    try:
        with celery_app.connection_for_write(connect_timeout=BROKER_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    except Exception as exc:
        return Status(False, f"{type(exc).__name__}: {exc}")
    return Status(True)


def search_index() -> Status:
    try:
        health = get_backend().health()
    except Exception as exc:
        return Status(False, f"{type(exc).__name__}: {exc}")
    extra = {"backend": health.backend, "documents": health.documents}
    return Status(health.ok, health.detail, extra)


def semantic() -> Status:
    """Which mode related papers run in; informative only, so never "down"."""
    from coolpapers.semantic.services import mode

    try:
        current = mode()
    except Exception as exc:  # the database check reports the database
        log.warning("health check: semantic mode unknown: %s", exc)
        current = mode(count=False)
        return Status(True, current.detail, {"mode": current.name})
    extra = {"mode": current.name, "detail": current.detail}
    if current.semantic:
        extra.update(model=current.model, embedded=current.embedded, papers=current.papers)
    return Status(True, current.detail, extra)


CHECKS = {"database": database, "broker": broker, "search": search_index, "semantic": semantic}


def check_all() -> dict[str, Status]:
    """Every check's status; the details of a failure go to the log, not to the client."""
    statuses = {name: check() for name, check in CHECKS.items()}
    for name, status in statuses.items():
        if not status.ok:
            log.warning("health check: %s is down: %s", name, status.detail)
    return statuses
