"""Celery tasks (the "related" queue): lists for changed papers, chunks of a full recompute,
and model rebuilds.

Every task is acknowledged late, so a task whose worker died runs again. Redis also hands a
task to a second worker when the first holds it past the visibility timeout; so a chunk
skips the papers computed since it was queued, and a rebuild runs once at a time and not
again once done: a redelivered task does no finished work twice.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from celery import group, shared_task
from django.db import OperationalError
from django.utils import timezone

from coolpapers.related import services, store
from coolpapers.related.models import PaperKeywords

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
def compute_related_chunk_task(paper_ids: list[str], queued_at: str | None = None) -> int:
    """Compute a chunk's papers, less those already computed (current) since `queued_at`."""
    if queued_at:
        paper_ids = _not_done_since(paper_ids, datetime.fromisoformat(queued_at))
    return services.compute_papers(paper_ids) if paper_ids else 0


def _not_done_since(paper_ids: list[str], since: datetime) -> list[str]:
    done = set(
        PaperKeywords.objects.filter(
            paper_id__in=paper_ids,
            computed_at__gte=since,
            model_version=store.current_version() or "",
        ).values_list("paper_id", flat=True)
    )
    return [pid for pid in paper_ids if pid not in done]


def dispatch_chunks(chunks: list[list[str]]) -> None:
    """One task per chunk, for every worker to share."""
    if chunks:
        queued_at = timezone.now().isoformat()
        group(compute_related_chunk_task.s(chunk, queued_at) for chunk in chunks).apply_async()


@contextmanager
def _only_rebuild() -> Iterator[bool]:
    """True when this process may rebuild: no other rebuild holds the lock (it is released
    when its process dies, so a killed rebuild's redelivered task runs)."""
    root = store.model_dir()
    root.mkdir(parents=True, exist_ok=True)
    with (root / "rebuild.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def rebuild_related_task(self, chunk_size: int = services.CHUNK) -> int:
    """A new corpus model, then every paper recomputed by chunk tasks.

    Only the model build runs here (a single pass over the corpus, ~1/10 of a full recompute:
    well under the visibility timeout); the recompute is chunk tasks of `chunk_size` papers.
    A copy redelivered while this one runs, or after it finished (the request marker is gone
    then), does nothing.
    """
    redelivered = (self.request.delivery_info or {}).get("redelivered", False)
    with _only_rebuild() as alone:
        if not alone:
            return 0
        if redelivered and not (store.model_dir() / store.REBUILD_MARKER).exists():
            return 0
        chunks: list[list[str]] = []
        count = services.rebuild(chunks.append, chunk_size)
    dispatch_chunks(chunks)
    return count
