"""Celery tasks: lists for changed papers, chunks of a full recompute, and model rebuilds.

Every task is acknowledged late, so a chunk whose worker died runs again; running a chunk
twice only writes the same rows twice.
"""

from __future__ import annotations

from celery import group, shared_task
from django.db import OperationalError

from coolpapers.related import services

RETRY = {
    "autoretry_for": (OperationalError,),  # e.g. SQLite busy while another chunk commits
    "retry_backoff": 5,
    "max_retries": 5,
}


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def update_related_task(paper_ids: list[str]) -> int:
    """After an ingestion batch: the changed papers, then a rebuild when one is due."""
    return services.update_papers(paper_ids, request_rebuild=rebuild_related_task.delay)


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def compute_related_chunk_task(paper_ids: list[str]) -> int:
    return services.compute_papers(paper_ids)


def dispatch_chunks(chunks: list[list[str]]) -> None:
    """One task per chunk, for every worker to share."""
    if chunks:
        group(compute_related_chunk_task.s(chunk) for chunk in chunks).apply_async()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rebuild_related_task(chunk_size: int = services.CHUNK) -> int:
    """A new corpus model, then every paper recomputed by chunk tasks."""
    chunks: list[list[str]] = []
    count = services.rebuild(chunks.append, chunk_size)
    dispatch_chunks(chunks)
    return count
