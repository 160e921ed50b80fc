"""Index writing in Celery: its own queue, one worker process, batches of changed papers."""

from __future__ import annotations

from celery import shared_task

from search.backends.base import IndexLocked
from search.indexing import index_papers


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(IndexLocked,),
    retry_backoff=5,
    max_retries=10,
)
def index_papers_task(self, paper_ids: list[str]) -> int:
    return index_papers(paper_ids)
