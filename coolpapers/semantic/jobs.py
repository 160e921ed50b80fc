"""Embedding backfill jobs: every stale paper embedded in chunks that the workers share.

start() hands a job to a worker; plan() (in that worker) lists the stale papers and queues
one numbered chunk task per CHUNK papers; each chunk stores its embeddings and the job's
counts in one transaction, once per number (a redelivered chunk counts nothing), and the
chunk that completes the job queues a recomputation of every related list. A job has a run
number: chunks queued by an earlier run of a resumed job do nothing. Resuming plans again
from the papers still stale, so nothing is embedded twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from coolpapers.jobs.status import JobStateError, JobStatus
from coolpapers.semantic import encoder, services, store
from coolpapers.semantic.models import EmbeddingChunk, EmbeddingJob, PaperEmbedding

log = logging.getLogger(__name__)

CHUNK = 256  # papers per chunk task: about 10 s of a worker's time
# An active job when no paper was embedded for this long: its tasks were lost.
STALLED_AFTER = timedelta(minutes=15)


def start(job: EmbeddingJob, send: Callable[[int, int], object]) -> None:
    """Queue the job's planning (`send(job id, run)`, a Celery task in production)."""
    with transaction.atomic():
        job = EmbeddingJob.objects.select_for_update().get(pk=job.pk)
        if job.status == JobStatus.RUNNING:
            raise JobStateError(f"job #{job.pk} is running")
        job.status = JobStatus.QUEUED
        job.error = ""
        job.finished_at = None
        job.run = F("run") + 1
        job.save()
        job.refresh_from_db()
        run = job.run
    transaction.on_commit(lambda: send(job.pk, run))


def resume_stalled() -> int:
    """Plan again the active jobs whose tasks were lost; returns how many.

    A worker killed on the filesystem broker loses its task (Redis gives it back after the
    visibility timeout): the job stays queued or running with nothing embedding. When no
    paper was embedded for STALLED_AFTER, such a job gets a new run, which plans from the
    papers still stale, so nothing is embedded twice and chunks of the old run do nothing.
    """
    from coolpapers.semantic.tasks import start as send

    cutoff = timezone.now() - STALLED_AFTER
    latest = PaperEmbedding.objects.aggregate(latest=Max("computed_at"))["latest"]
    if latest is not None and latest >= cutoff:
        return 0
    resumed = 0
    for job in EmbeddingJob.objects.filter(
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING], created_at__lt=cutoff
    ).exclude(started_at__gte=cutoff):
        if EmbeddingJob.objects.filter(pk=job.pk, status=job.status).update(
            status=JobStatus.QUEUED
        ):
            log.warning("embedding job %s stalled: planned again", job.pk)
            send(job)
            resumed += 1
    return resumed


def cancel(job: EmbeddingJob) -> None:
    if not job.is_active:
        raise JobStateError(f"job #{job.pk} is {job.status}: only a queued or running job stops")
    EmbeddingJob.objects.filter(pk=job.pk).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )


def plan(job_id: int, run: int, dispatch: Callable[[list[list[str]]], object]) -> int:
    """List the stale papers and hand them to `dispatch` in chunks; returns how many."""
    job = EmbeddingJob.objects.get(pk=job_id)
    if job.run != run or job.status != JobStatus.QUEUED:
        return 0
    if not encoder.available():
        _fail(job_id, services.mode(count=False).detail + ": nothing can be embedded")
        return 0
    ids = store.stale_ids()
    chunks = [ids[s : s + CHUNK] for s in range(0, len(ids), CHUNK)]
    updated = EmbeddingJob.objects.filter(pk=job_id, run=run, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        model=encoder.model_key(),
        started_at=job.started_at or timezone.now(),
        total=F("done_count") + len(ids),
        chunks_total=F("chunks_done") + len(chunks),
    )
    if not updated:
        return 0
    if not chunks:
        _finish(job_id)
        return 0
    dispatch(chunks)
    return len(ids)


def embed_chunk(
    job_id: int,
    run: int,
    number: int,
    ids: list[str],
    retried: tuple[type[Exception], ...] = (),
) -> int:
    """Embed chunk `number` of the job's run and count it; returns how many were embedded.

    An error of a `retried` type is raised without failing the job: the task runs again."""
    if not EmbeddingJob.objects.filter(pk=job_id, run=run, status=JobStatus.RUNNING).exists():
        return 0  # cancelled, failed, or a chunk of an earlier run
    try:
        # Encoding takes seconds: outside the transaction, which on SQLite holds the
        # database's write lock from its start.
        found, hashes, vectors = services.encode_papers(ids)
        with transaction.atomic():
            if found:
                store.save(found, hashes, vectors)
            done = len(found)
            _, first = EmbeddingChunk.objects.get_or_create(job_id=job_id, run=run, number=number)
            if first:
                EmbeddingJob.objects.filter(pk=job_id, run=run).update(
                    done_count=F("done_count") + done, chunks_done=F("chunks_done") + 1
                )
    except retried:
        raise
    except Exception as error:
        log.exception("embedding job %s: a chunk failed", job_id)
        _fail(job_id, f"{type(error).__name__}: {error}")
        raise
    job = EmbeddingJob.objects.get(pk=job_id)
    if job.chunks_done >= job.chunks_total:
        _finish(job_id)
    return done


def _finish(job_id: int) -> None:
    """Mark the job done (once) and recompute every related list with the new embeddings."""
    finished = EmbeddingJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now()
    )
    if finished:
        from coolpapers.related import services as related
        from coolpapers.related.tasks import dispatch_chunks

        dispatch_chunks(list(related.chunks(related.all_ids(), related.CHUNK)))


def _fail(job_id: int, error: str) -> None:
    EmbeddingJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=error, finished_at=timezone.now()
    )
