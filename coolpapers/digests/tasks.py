"""Celery tasks: beat's dispatcher and the chunks it sends to workers (queue "celery")."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from celery import shared_task

from coolpapers.digests import sending


def _enqueue(day: str, collection_ids: list[int]) -> None:
    send_digest_chunk.delay(day, collection_ids)


@shared_task
def dispatch_digests() -> dict:
    """Beat runs this often (settings.CELERY_BEAT_SCHEDULE): it sends nothing until a new
    announcement day is in and its harvest has finished."""
    result = sending.dispatch(_enqueue)
    return {**asdict(result), "day": result.day.isoformat() if result.day else None}


@shared_task(acks_late=True)
def send_digest_chunk(day: str, collection_ids: list[int]) -> dict:
    """One chunk of profiles: safe to run twice (a redelivered task sends nothing again)."""
    result = sending.send_chunk(date.fromisoformat(day), [int(i) for i in collection_ids])
    return asdict(result)
