"""Starting, cancelling, retrying and resuming jobs: what the admin and beat do to a job."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from coolpapers.ingestion.models import IngestionJob
from coolpapers.jobs.leases import lapsed
from coolpapers.jobs.status import RESTARTABLE, JobStateError, JobStatus

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
    """Running (or cancelling) jobs whose worker stopped renewing the lease (it died: the job
    goes nowhere until it is sent again), and queued jobs whose task counts as lost.

    A stranded cancelling job is cancelled, never resumed (coolpapers.ops.tasks cancels every
    stranded job with cancel_requested; resume_job refuses them)."""
    now = timezone.now()
    return IngestionJob.objects.filter(
        (Q(status__in=[JobStatus.RUNNING, JobStatus.CANCELLING]) & lapsed(now))
        | Q(status=JobStatus.QUEUED, lease_expires__lt=now)
    )


def is_stranded(job: IngestionJob) -> bool:
    return stranded_jobs().filter(pk=job.pk).exists()


def cancel_job(job: IngestionJob) -> str:
    """Stop a job; returns its status after: CANCELLED or CANCELLING.

    A queued job (no worker took it yet), or a running one whose worker died, is cancelled at
    once. A running one becomes CANCELLING: its worker stops before storing another batch and
    marks it CANCELLED (coolpapers.ingestion.jobs). Conditional UPDATEs, so a worker taking
    the job at the same moment is never overwritten: the job is then cancelling instead.
    """
    now = timezone.now()
    stopped = (
        IngestionJob.objects.filter(pk=job.pk)
        .filter(
            Q(status=JobStatus.QUEUED)
            | (Q(status__in=[JobStatus.RUNNING, JobStatus.CANCELLING]) & lapsed(now))
        )
        .update(
            status=JobStatus.CANCELLED,
            cancel_requested=True,
            finished_at=now,
            lease_expires=None,
        )
    )
    asked = stopped or (
        IngestionJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.CANCELLING, cancel_requested=True
        )
    )
    job.refresh_from_db()
    if asked:
        return job.status
    if job.status == JobStatus.CANCELLING:
        raise JobStateError(
            f"job #{job.pk} is already cancelling; its worker stops before the next batch"
        )
    raise JobStateError(f"job #{job.pk} is {job.status}; only queued or running jobs cancel")


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
