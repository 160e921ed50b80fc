"""Starting, cancelling, retrying and resuming jobs: what the admin and beat do to a job."""

from __future__ import annotations

from django.db import transaction
from kombu.exceptions import OperationalError

from coolpapers.ingestion.models import IngestionJob, JobStatus

RESTARTABLE = (JobStatus.FAILED, JobStatus.CANCELLED)


class JobStateError(Exception):
    """The job is not in a state that allows the action."""


class QueueUnavailable(Exception):
    """The broker is unreachable: the job is saved, queued and waits to be sent (by
    coolpapers.ops.tasks.send_waiting_jobs once the broker is back)."""


def start_job(job: IngestionJob) -> None:
    """Queue the job's task once the job row is committed (a worker must be able to read it)."""
    from coolpapers.ingestion.tasks import run_ingestion_job

    def send() -> None:
        try:
            result = run_ingestion_job.apply_async(args=[job.pk])
        except OperationalError as exc:
            waiting = f"waiting for the task queue, which is unreachable ({exc})"
            IngestionJob.objects.filter(pk=job.pk).update(celery_task_id="", error=waiting)
            raise QueueUnavailable(
                f"Job #{job.pk} is saved but the task queue (Redis) is unreachable; "
                "it is sent automatically when the queue is back."
            ) from exc
        IngestionJob.objects.filter(pk=job.pk).update(celery_task_id=result.id)
        job.celery_task_id = result.id

    transaction.on_commit(send)


def cancel_job(job: IngestionJob) -> None:
    """A queued job is cancelled at once; a running one stops after its current batch."""
    if not job.is_active:
        raise JobStateError(f"job #{job.pk} is {job.status}; only queued or running jobs cancel")
    job.cancel_requested = True
    fields = ["cancel_requested"]
    if job.status == JobStatus.QUEUED:
        job.status = JobStatus.CANCELLED
        fields.append("status")
    job.save(update_fields=fields)


def resume_job(job: IngestionJob) -> None:
    """Continue a failed or cancelled job from its checkpoint."""
    if job.status not in RESTARTABLE:
        raise JobStateError(f"job #{job.pk} is {job.status}; only failed or cancelled jobs resume")
    job.status = JobStatus.QUEUED
    job.cancel_requested = False
    job.error = ""
    job.finished_at = None
    job.save(update_fields=["status", "cancel_requested", "error", "finished_at"])
    start_job(job)


def retry_job(job: IngestionJob) -> None:
    """Run a failed or cancelled job again from the start (ingestion is idempotent)."""
    if job.status not in RESTARTABLE:
        raise JobStateError(f"job #{job.pk} is {job.status}; only failed or cancelled jobs retry")
    job.checkpoint = {}
    job.progress = 0.0
    job.created_count = job.updated_count = job.unchanged_count = job.rejected_count = 0
    job.log = ""
    job.started_at = None
    job.save()
    resume_job(job)
