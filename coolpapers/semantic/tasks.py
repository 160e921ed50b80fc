"""Celery tasks of embedding jobs: planning, and the chunks that every worker shares."""

from __future__ import annotations

from celery import group, shared_task
from django.db import OperationalError

from coolpapers.semantic import jobs


@shared_task(acks_late=True, reject_on_worker_lost=True)
def plan_embedding_job(job_id: int, run: int) -> int:
    return jobs.plan(job_id, run, lambda chunks: _dispatch(job_id, run, chunks))


# Late acknowledgement: a chunk whose worker died runs again, and finds its papers current.
# A busy database is retried; only the last try's error fails the job.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=5,
)
def embed_chunk_task(self, job_id: int, run: int, number: int, ids: list[str]) -> int:
    retried = (OperationalError,) if self.request.retries < self.max_retries else ()
    return jobs.embed_chunk(job_id, run, number, ids, retried)


def _dispatch(job_id: int, run: int, chunks: list[list[str]]) -> None:
    group(
        embed_chunk_task.s(job_id, run, number, chunk) for number, chunk in enumerate(chunks)
    ).apply_async()


def start(job) -> None:
    jobs.start(job, lambda job_id, run: plan_embedding_job.delay(job_id, run))
