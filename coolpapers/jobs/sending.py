"""Sending the follow-up task of a stored batch without failing the job that stored it: the
engines' receivers (index updates, related lists) send through here."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

# Seconds between tries of a follow-up task's send while the broker is unreachable (a Redis
# restart takes a few seconds); about 7 s in all, then the repair sweeps take over.
SEND_RETRY_DELAYS = (0.5, 1.5, 5.0)


def send_or_leave_to_sweep(task: Task, args: list[Any], what: str) -> bool:
    """Send the follow-up task of a stored batch (index update, related lists), retrying a
    broker error a few times; then log and return False instead of raising.

    The batch is committed by then: raising would fail the ingestion job for work that
    repair_index and repair_related redo anyway.
    """
    for delay in SEND_RETRY_DELAYS:
        try:
            task.apply_async(args=args)
            return True
        except OperationalError:
            time.sleep(delay)
    try:
        task.apply_async(args=args)
    except OperationalError as exc:
        log.warning("%s not sent, left to the repair sweep: %s", what, exc)
        return False
    return True
