"""Leases: a worker running a job holds its row until a time it keeps pushing forward, so a
redelivered task never runs the job twice and a dead worker's job is found once it lapses."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone


def lease_until(seconds: float, now: datetime | None = None) -> datetime:
    """When a lease taken or renewed now for `seconds` lapses."""
    return (now or timezone.now()) + timedelta(seconds=seconds)


def lapsed(now: datetime, field: str = "lease_expires") -> Q:
    """Rows that no worker holds: no lease, or one that ran out before `now`."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now})
