"""Beat's safety nets: jobs saved while the broker was down or stranded by a dead worker,
index updates and related lists that were lost."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from coolpapers.ingestion.control import QueueUnavailable, resume_job, start_job, stranded_jobs
from coolpapers.ingestion.models import IngestionJob
from coolpapers.jobs.status import JobStateError, JobStatus
from coolpapers.papers.models import Paper
from search.backends.base import IndexUnavailable
from search.indexing import compare_index, repair

log = logging.getLogger(__name__)


@shared_task
def send_waiting_jobs() -> int:
    """Send the tasks of queued jobs that never reached the broker; returns how many.

    A job without a task id that is older than one resend interval was saved while the
    broker was unreachable (start_job clears the id then). Beat runs this every interval, so
    it runs only when the broker works again. A job sent twice still runs once: the worker
    takes a lease on the job row before running it.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_RESEND_INTERVAL)
    waiting = IngestionJob.objects.filter(
        status=JobStatus.QUEUED, celery_task_id="", created_at__lt=cutoff
    ).order_by("pk")
    sent = 0
    for job in waiting:
        try:
            start_job(job)  # outside a transaction on_commit sends at once
        except QueueUnavailable:
            break
        sent += 1
    return sent


@shared_task
def repair_index() -> int:
    """Bring the index in line with the database; returns how many papers it fixed.

    Ingestion commits a batch and then sends its index update: a worker killed between the
    two, or a broker down at that moment, loses the update for good (the resumed job starts
    after the batch). This sweep, routed to the index queue (the single writer), finds and
    re-indexes such papers, as `check_index --repair` would.
    """
    if settings.SEARCH_AUTO_INDEX == "off":
        return 0
    try:
        differences = compare_index()
    except IndexUnavailable as exc:
        log.warning("index repair skipped: %s", exc)
        return 0
    if not differences.total:
        return 0
    log.warning(
        "index repair: %d missing, %d stale, %d left over",
        len(differences.missing),
        len(differences.stale),
        len(differences.orphans),
    )
    return repair(differences)


@shared_task
def resume_stranded_jobs() -> int:
    """Send again the jobs whose worker died (or whose task was lost); returns how many.

    A killed worker's job stays "running" with a lease nobody renews; on the filesystem broker
    its message is gone, on Redis it comes back only after the visibility timeout. A job sent
    twice still runs once (the lease), and resumes from its checkpoint. A stranded job that
    staff asked to cancel is cancelled.
    """
    from coolpapers.faq.services import resend_waiting
    from coolpapers.semantic.jobs import resume_stalled

    stranded_jobs().filter(cancel_requested=True).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now(), lease_expires=None
    )
    sent = 0
    for job in stranded_jobs().order_by("pk"):
        log.warning("job #%s is stranded (%s, lease lapsed): sending it again", job.pk, job.status)
        try:
            resume_job(job)  # outside a transaction on_commit sends at once
        except JobStateError:
            continue  # taken or resumed meanwhile
        except QueueUnavailable:
            break
        sent += 1
    # FAQs: a row a dead worker left generating, or queued with its message lost.
    return sent + resume_stalled() + resend_waiting(settings.JOB_RESEND_INTERVAL)


def related_backlog() -> int | None:
    """Messages waiting in the related queue (None: the broker cannot say)."""
    from coolpapers.celery import app

    try:
        with app.connection_for_write() as conn:
            # Not passive: Redis reports an empty queue as missing.
            return conn.default_channel.queue_declare(queue="related").message_count
    except Exception:  # any broker error: the length is unknown, the sweep waits
        log.warning("related repair: queue length unknown", exc_info=True)
        return None


@shared_task
def repair_related() -> int:
    """Recompute papers whose keywords or related lists are missing or stale; returns how many.

    A worker killed mid-chunk on the filesystem broker, or a broker down when a batch's
    update was sent, leaves papers without lists for good. The sweep runs only when the
    related queue is empty and no rebuild is pending (queued work would redo the same papers),
    and skips papers changed in the last interval, whose update may be under way.
    """
    if settings.RELATED_AUTO != "celery":
        return 0
    from coolpapers.related import services, store
    from coolpapers.related.tasks import dispatch_chunks

    if (store.model_dir() / store.REBUILD_MARKER).exists() or related_backlog() != 0:
        return 0
    cutoff = timezone.now() - timedelta(seconds=settings.RELATED_REPAIR_INTERVAL)
    version = store.current_version() or ""
    stale = (
        Paper.objects.filter(modified_at__lt=cutoff)
        .filter(
            Q(related_state__isnull=True)
            | ~Q(related_state__content_hash=F("content_hash"))
            | ~Q(related_state__model_version=version)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(stale)
    if ids:
        log.warning("related repair: %d papers without current lists", len(ids))
        dispatch_chunks(list(services.chunks(ids, services.CHUNK)))
    return len(ids)
