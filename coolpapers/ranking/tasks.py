"""Celery task (the "profiles" queue, which the default worker serves): train one profile."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from coolpapers.ranking import profiles


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    max_retries=5,
)
def train_profile(collection_id: int, requested_at: float | None = None) -> bool:
    """Train the profile unless a training that read it after `requested_at` already ran
    (a burst of ratings trains once); True when trained."""
    return profiles.train(collection_id, requested_at).trained
