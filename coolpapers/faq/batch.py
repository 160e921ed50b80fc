"""Staff's batch jobs: the FAQs of a day's list (a category spec and a day) requested ahead of
readers, in the languages staff chose.

Why through services.request: one FAQ per paper, version and language exists, so a FAQ that is
done or under way (a reader asked first, or another batch) is counted as skipped, never
generated twice, and the batch's own requests go to the same llm queue in the same order as
readers' (today's papers first). The batch has no client address: its tokens count against
the day's global budget only. Progress is the requested FAQs that finished (done or failed),
kept up to date by the `faq.generate` task (refresh) as each one ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from coolpapers.faq import services
from coolpapers.faq.models import FAQ, FAQBatchJob, FaqStatus
from coolpapers.jobs.status import ACTIVE_STATUSES, JobStateError, JobStatus
from coolpapers.llm import base
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.daily import day_ids
from coolpapers.papers.models import Paper

log = logging.getLogger(__name__)


def start(job: FAQBatchJob, send: Callable[[int], object]) -> None:
    """Queue the job (again, for Retry) once committed: `send(job id)`, a Celery task."""
    with transaction.atomic():
        job = FAQBatchJob.objects.select_for_update().get(pk=job.pk)
        if job.status in (JobStatus.RUNNING, JobStatus.CANCELLING):
            raise JobStateError(f"job #{job.pk} is {job.status}")
        FAQBatchJob.objects.filter(pk=job.pk).update(
            status=JobStatus.QUEUED,
            error="",
            finished_at=None,
            requested_all=False,
            total=0,
            queued_count=0,
            skipped_count=0,
            done_count=0,
            failed_count=0,
        )
        job.faqs.clear()
    transaction.on_commit(lambda: send(job.pk))


def cancel(job: FAQBatchJob) -> int:
    """Stop requesting and dequeue this batch's FAQs no worker has started; returns how many
    were dequeued. FAQs being written finish (and count)."""
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise JobStateError(f"job #{job.pk} is {job.status}: only a queued or running job stops")
    FAQBatchJob.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    dequeued = dequeue(job.pk)
    refresh(job.pk)
    return dequeued


def dequeue(job_id: int) -> int:
    """Delete the rows this batch queued that are still waiting (readers' rows are not the
    batch's: request() takes the batch's mark off a row a reader asks for). Their Celery
    messages then find nothing to take and end."""
    rows = FAQ.objects.filter(batch_id=job_id, status=FaqStatus.QUEUED)
    _, by_model = rows.delete()  # the total counts the batches' links to the rows too
    dequeued = by_model.get(FAQ._meta.label, 0)
    if dequeued:
        FAQBatchJob.objects.filter(pk=job_id).update(dequeued_count=F("dequeued_count") + dequeued)
    return dequeued


def run(job_id: int) -> str:
    """The batch task: request each FAQ of the day's list, checking for a cancel between
    papers. A duplicate message (the job is no longer queued) does nothing."""
    if not FAQBatchJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    ):
        return "not queued"
    job = FAQBatchJob.objects.get(pk=job_id)
    try:
        spec = parse_spec(job.spec)
        ids = day_ids(spec, job.day)
    except Exception as exc:  # a spec that no longer parses, a database error
        _fail(job_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    languages = [lang for lang in job.languages if lang in services.LANGUAGES]
    FAQBatchJob.objects.filter(pk=job_id).update(total=len(ids) * len(languages))
    papers = Paper.objects.in_bulk(ids)
    for arxiv_id in ids:
        if _stopping(job_id):
            break
        paper = papers.get(arxiv_id)
        if paper is None:
            continue
        for language in languages:
            try:
                _request_one(job, paper, language)
            except base.ProviderError as exc:  # no model configured, budget spent
                _fail(job_id, str(exc) or type(exc).__name__)
                dequeue(job_id)
                return "failed"
    if _stopping(job_id):
        dequeue(job_id)  # rows requested while staff's cancel was being written
        refresh(job_id)
        return "cancelled"
    FAQBatchJob.objects.filter(pk=job_id).update(requested_all=True)
    refresh(job_id)
    return "requested"


def _stopping(job_id: int) -> bool:
    return not FAQBatchJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).exists()


def _request_one(job: FAQBatchJob, paper: Paper, language: str) -> None:
    existing = services.find(paper, language)
    if existing is not None and existing.status != FaqStatus.FAILED:
        job.faqs.add(existing)
        FAQBatchJob.objects.filter(pk=job.pk).update(skipped_count=_plus("skipped_count"))
        return
    faq = services.request(paper, language, client="")
    job.faqs.add(faq)
    # A row that was failed (or new) is queued now by this batch: it is the batch's to dequeue.
    FAQ.objects.filter(pk=faq.pk, status=FaqStatus.QUEUED).update(batch=job)
    FAQBatchJob.objects.filter(pk=job.pk).update(queued_count=_plus("queued_count"))


def _plus(field: str) -> F:
    return F(field) + 1


def refresh(job_id: int) -> None:
    """Count the requested FAQs that are done or failed; a running job whose every FAQ is
    requested and finished succeeds."""
    counts = FAQ.objects.filter(batches=job_id).aggregate(
        done=Count("pk", filter=Q(status=FaqStatus.DONE)),
        failed=Count("pk", filter=Q(status=FaqStatus.FAILED)),
        active=Count("pk", filter=Q(status__in=[FaqStatus.QUEUED, FaqStatus.GENERATING])),
    )
    FAQBatchJob.objects.filter(pk=job_id).update(
        done_count=counts["done"], failed_count=counts["failed"]
    )
    if not counts["active"]:
        FAQBatchJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, requested_all=True).update(
            status=JobStatus.SUCCEEDED, finished_at=timezone.now()
        )


def refresh_for(faq_id: int) -> None:
    """After a FAQ finished: refresh the batches that requested it (the generate task)."""
    for job_id in FAQBatchJob.objects.filter(faqs=faq_id).values_list("pk", flat=True):
        refresh(job_id)


def _fail(job_id: int, error: str) -> None:
    log.warning("FAQ batch #%s failed: %s", job_id, error)
    FAQBatchJob.objects.filter(pk=job_id, status__in=ACTIVE_STATUSES).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )
