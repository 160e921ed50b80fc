"""Beat's safety nets: jobs saved while the broker was down, index updates that were lost."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from coolpapers.ingestion.control import QueueUnavailable, start_job
from coolpapers.ingestion.models import IngestionJob, JobStatus
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
