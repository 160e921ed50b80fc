"""Celery tasks: one ingestion job per task, acknowledged late so a killed worker's job returns."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from coolpapers.ingestion.arxiv_client import TransientError
from coolpapers.ingestion.jobs import JobBusy, run_job
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.jobs.status import JobStatus

RETRY_DELAYS = (30, 120, 600, 1800, 3600)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=len(RETRY_DELAYS))
def run_ingestion_job(self, job_id: int) -> str:
    try:
        job = run_job(job_id)
    except JobBusy as exc:
        # A redelivered task whose first run may still be alive: look again after the lease.
        raise self.retry(exc=exc, countdown=max(1, exc.seconds), max_retries=None) from exc
    except TransientError as exc:
        # Staff pressed Cancel while the source kept failing: stop here, not after the retry.
        if stop_cancelled(job_id):
            return JobStatus.CANCELLED
        if self.request.retries >= self.max_retries:
            IngestionJob.objects.filter(pk=job_id).update(
                status=JobStatus.FAILED,
                error=f"gave up after {self.max_retries} retries: {exc}",
                finished_at=timezone.now(),
            )
            return JobStatus.FAILED
        IngestionJob.objects.filter(pk=job_id).update(status=JobStatus.QUEUED, lease_expires=None)
        raise self.retry(exc=exc, countdown=RETRY_DELAYS[self.request.retries]) from exc
    return job.status


def stop_cancelled(job_id: int) -> bool:
    """Cancel the job now if staff asked it to stop (no worker is at work on it any more)."""
    return bool(
        IngestionJob.objects.filter(pk=job_id, cancel_requested=True)
        .exclude(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED])
        .update(status=JobStatus.CANCELLED, finished_at=timezone.now(), lease_expires=None)
    )


@shared_task
def harvest_today() -> int:
    """Beat's daily job: the day's announcements of ARXIV_CATEGORIES."""
    from coolpapers.ingestion.control import start_job

    job = IngestionJob.objects.create(
        kind=JobKind.TODAY, params={"categories": settings.ARXIV_CATEGORIES}
    )
    start_job(job)
    return job.pk
