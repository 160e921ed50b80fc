"""Starting, cancelling, retrying and resuming jobs: what the admin and beat do to a job."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from coolpapers.ingestion.models import IngestionJob
from coolpapers.jobs.leases import lapsed
from coolpapers.jobs.status import JobStateError, JobStatus

RESTARTABLE = (JobStatus.FAILED, JobStatus.CANCELLED)
# A queued job not taken by a worker this long after its task was sent counts as lost (a
# broker that lost the message, a worker killed between fetching it and starting the job)
# and is sent again; a copy that arrives late finds the job taken or done and does nothing.
LOST_AFTER = timedelta(hours=1)


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
        # Not when a worker already took it: its lease is the worker's.
        IngestionJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            lease_expires=timezone.now() + LOST_AFTER
        )
        job.celery_task_id = result.id

    transaction.on_commit(send)


def stranded_jobs() -> QuerySet[IngestionJob]:
    """Running jobs whose worker stopped renewing the lease (it died: the job goes nowhere
    until it is sent again), and queued jobs whose task counts as lost."""
    now = timezone.now()
    return IngestionJob.objects.filter(
        (Q(status=JobStatus.RUNNING) & lapsed(now))
        | Q(status=JobStatus.QUEUED, lease_expires__lt=now)
    )


def is_stranded(job: IngestionJob) -> bool:
    return stranded_jobs().filter(pk=job.pk).exists()


def cancel_job(job: IngestionJob) -> None:
    """A queued job, or a running one whose worker died, is cancelled at once; a running one
    stops after its current batch."""
    if not job.is_active:
        raise JobStateError(f"job #{job.pk} is {job.status}; only queued or running jobs cancel")
    job.cancel_requested = True
    fields = ["cancel_requested"]
    if job.status == JobStatus.QUEUED or is_stranded(job):
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.lease_expires = None
        fields += ["status", "finished_at", "lease_expires"]
    job.save(update_fields=fields)


def resume_job(job: IngestionJob) -> None:
    """Continue a failed, cancelled or stranded job from its checkpoint.

    A stranded job is taken back in one conditional UPDATE, so the admin and beat resuming
    it at the same moment send it once (a second send would still run it once: the lease).
    """
    if job.status in RESTARTABLE:
        job.status = JobStatus.QUEUED
        job.cancel_requested = False
        job.error = ""
        job.finished_at = None
        job.save(update_fields=["status", "cancel_requested", "error", "finished_at"])
    elif (
        stranded_jobs()
        .filter(pk=job.pk, cancel_requested=False)
        .update(status=JobStatus.QUEUED, lease_expires=None)
    ):
        job.refresh_from_db()
    else:
        raise JobStateError(
            f"job #{job.pk} is {job.status}; only failed, cancelled or stranded jobs "
            "(running with a lapsed lease, or queued with a lost task) resume"
        )
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
