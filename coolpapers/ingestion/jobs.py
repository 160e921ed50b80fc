"""Runs an ingestion job: reads its source in batches, stores each batch together with the job's
counts and checkpoint in one transaction, so a run that dies resumes with nothing lost or twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from coolpapers.ingestion.arxiv_client import ArxivClient, PermanentHTTPError, TransientError
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.ingestion.pipeline import upsert_records
from coolpapers.ingestion.readers import detect_format, list_files, open_source, reader_for
from coolpapers.ingestion.readers.atom import ArxivAPIError
from coolpapers.ingestion.readers.oai import OAIError
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError
from coolpapers.ingestion.sources.api import query_api
from coolpapers.ingestion.sources.oai import harvest_oai
from coolpapers.ingestion.sources.rss import fetch_announcements
from coolpapers.jobs.leases import lapsed, lease_until
from coolpapers.jobs.status import JobStatus
from coolpapers.papers.arxiv_ids import InvalidArxivId
from coolpapers.papers.models import Announcement, Paper, PaperCategory, Version
from coolpapers.papers.signals import papers_changed

log = logging.getLogger(__name__)

API_CHUNK = 100  # ids per arXiv API request
LOG_LIMIT = 200_000  # characters of job log kept
ANALYZE_AFTER = 10_000  # papers created or updated by a job before it refreshes statistics
# Errors that say what is wrong with the source: the job fails with this message, no retry.
SOURCE_ERRORS = (SourceError, OAIError, ArxivAPIError, PermanentHTTPError, InvalidArxivId)


class JobBusy(Exception):
    """Another worker holds the job's lease; try again when it may have lapsed."""

    def __init__(self, job_id: int, seconds: float):
        self.seconds = seconds
        super().__init__(f"job #{job_id} is being run by another worker (lease {seconds:.0f}s)")


@dataclass
class Batch:
    records: list[PaperRecord | RejectedRecord]
    checkpoint: dict[str, Any]
    progress: float | None = None


ProgressCallback = Callable[[IngestionJob], None]


def run_job(
    job_id: int,
    *,
    client: ArxivClient | None = None,
    on_progress: ProgressCallback | None = None,
    batch_size: int | None = None,
) -> IngestionJob:
    """Run (or resume) a job to the end. TransientError propagates so the caller may retry."""
    job = _claim(job_id)
    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED):
        return job  # a copy of a task that already ran (resume_job queues the job first)
    if job.cancel_requested:
        return _finish(job, JobStatus.CANCELLED)

    own_client = client is None and job.kind not in (JobKind.FILE, JobKind.UPLOAD)
    if own_client:
        client = ArxivClient(on_retry=lambda message: _append_log(job, message))
    try:
        for batch in _batches(job, client, batch_size or settings.INGEST_BATCH_SIZE):
            if not _store(job, batch):
                return _finish(job, JobStatus.CANCELLED)
            if on_progress:
                on_progress(job)
    except SOURCE_ERRORS as exc:
        return _finish(job, JobStatus.FAILED, error=str(exc))
    except TransientError as exc:
        _append_log(job, f"transient error: {exc}")
        job.lease_expires = None
        job.save(update_fields=["log", "lease_expires"])
        raise
    except Exception as exc:
        log.exception("ingestion job %s crashed", job.pk)
        return _finish(job, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    finally:
        if own_client and client is not None:
            client.close()
        _refresh_statistics(job)
    return _finish(job, JobStatus.SUCCEEDED, progress=1.0)


def _refresh_statistics(job: IngestionJob) -> None:
    """ANALYZE the paper tables on PostgreSQL after a large load. Until autovacuum gets to
    them (never, where it is off) the planner guesses from a freshly filled table's size and
    picks sequential scans: at a million papers a search page's category lookup took 130 ms
    instead of 1 ms."""
    if connection.vendor != "postgresql" or job.created_count + job.updated_count < ANALYZE_AFTER:
        return
    tables = [model._meta.db_table for model in (Paper, PaperCategory, Announcement, Version)]
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(t) for t in tables)}")
    except DatabaseError:  # the job's own outcome matters more; autovacuum may still do it
        log.warning("ANALYZE after ingestion job %s failed", job.pk, exc_info=True)


def _claim(job_id: int) -> IngestionJob:
    """Take the job's lease in one conditional UPDATE, so two workers never run it at once."""
    now = timezone.now()
    active = IngestionJob.objects.filter(
        pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING], cancel_requested=False
    )
    # A queued job's lease_expires is when beat counts its task lost (control.start_job).
    free = Q(status=JobStatus.QUEUED) | lapsed(now)
    claimed = active.filter(free).update(
        status=JobStatus.RUNNING,
        started_at=Coalesce("started_at", Value(now)),
        error="",
        lease_expires=lease_until(settings.INGEST_JOB_LEASE, now),
    )
    job = IngestionJob.objects.get(pk=job_id)
    held = job.lease_expires is not None and job.lease_expires > now
    if not claimed and job.status in (JobStatus.RUNNING, JobStatus.CANCELLING) and held:
        # Also when cancelling: its worker is storing a batch and confirms the cancel itself.
        raise JobBusy(job_id, (job.lease_expires - now).total_seconds())
    return job


def _finish(job: IngestionJob, status: str, *, error: str = "", progress: float | None = None):
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.lease_expires = None
    if progress is not None:
        job.progress = progress
    job.save(update_fields=["status", "error", "finished_at", "progress", "lease_expires"])
    return job


def _append_log(job: IngestionJob, line: str) -> None:
    if len(job.log) < LOG_LIMIT:
        job.log += line + "\n"


def _store(job: IngestionJob, batch: Batch) -> bool:
    """Store a batch with the job's counts and checkpoint; False, storing nothing, when staff
    asked the job to stop.

    The request is read inside the batch's transaction with the job row locked (SELECT FOR
    UPDATE; SQLite's immediate transactions hold the write lock from BEGIN), so a cancel
    commits either before the batch, which is then not stored, or after it: a job stops
    within the batch it is storing when staff press Cancel, never later.
    """
    papers = [r for r in batch.records if isinstance(r, PaperRecord)]
    rejected = [r for r in batch.records if isinstance(r, RejectedRecord)]
    with transaction.atomic():
        requested = IngestionJob.objects.select_for_update().filter(pk=job.pk)
        if requested.values_list("cancel_requested", flat=True).get():
            return False
        result = upsert_records(papers)
        rejected += result.rejected  # records the database refused; the rest is stored
        job.created_count += len(result.created)
        job.updated_count += len(result.updated)
        job.unchanged_count += result.unchanged
        job.rejected_count += len(rejected)
        for r in rejected:
            _append_log(job, f"rejected {r.identifier}: {r.reason}")
        job.checkpoint = batch.checkpoint
        job.lease_expires = lease_until(settings.INGEST_JOB_LEASE)
        if batch.progress is not None:
            job.progress = min(1.0, max(job.progress, batch.progress))
        job.save(
            update_fields=[
                "created_count",
                "updated_count",
                "unchanged_count",
                "rejected_count",
                "log",
                "checkpoint",
                "progress",
                "lease_expires",
            ]
        )
        if result.changed_ids:
            changed = result.changed_ids
            transaction.on_commit(
                lambda: papers_changed.send(sender=IngestionJob, paper_ids=changed)
            )
    return True


def _batches(job: IngestionJob, client: ArxivClient | None, size: int) -> Iterator[Batch]:
    if job.kind == JobKind.FILE:
        return _file_batches(job, Path(job.params["path"]), size)
    if job.kind == JobKind.UPLOAD:
        return _file_batches(job, Path(job.upload.path), size)
    assert client is not None
    if job.kind == JobKind.OAI:
        return _oai_batches(job, client)
    if job.kind == JobKind.API_IDS:
        return _id_batches(job, client, list(job.params["ids"]))
    if job.kind == JobKind.API_QUERY:
        return _query_batches(job, client)
    if job.kind == JobKind.TODAY:
        return _today_batches(job, client)
    raise ValueError(f"unknown job kind {job.kind!r}")


def _file_batches(job: IngestionJob, root: Path, size: int) -> Iterator[Batch]:
    files = list_files(root)
    fmt = job.params.get("format", "auto")
    first = job.checkpoint.get("file", 0)
    skip = job.checkpoint.get("record", 0)
    for index in range(first, len(files)):
        path = files[index]
        total = path.stat().st_size or 1
        with open_source(path) as (stream, raw):
            reader = reader_for(detect_format(path, stream) if fmt == "auto" else fmt, path)
            buffer: list[PaperRecord | RejectedRecord] = []
            count = 0
            for record in reader(stream, str(path)):
                count += 1
                if count <= skip:
                    continue
                buffer.append(record)
                if len(buffer) >= size:
                    done = (index + min(raw.tell() / total, 1.0)) / len(files)
                    yield Batch(buffer, {"file": index, "record": count}, done)
                    buffer = []
        skip = 0
        yield Batch(buffer, {"file": index + 1, "record": 0}, (index + 1) / len(files))


def _oai_batches(job: IngestionJob, client: ArxivClient) -> Iterator[Batch]:
    if job.checkpoint.get("done"):
        return
    p = job.params
    pages = job.checkpoint.get("pages", 0)
    for page in harvest_oai(
        client,
        base_url=settings.ARXIV_OAI_URL,
        metadata_prefix=p.get("metadata_prefix") or "arXiv",
        set_spec=p.get("set") or None,
        from_date=p.get("from") or None,
        until=p.get("until") or None,
        resumption_token=job.checkpoint.get("token"),
    ):
        pages += 1
        progress = None
        if page.complete_list_size:
            progress = ((page.cursor or 0) + len(page.records)) / page.complete_list_size
        token = page.resumption_token
        yield Batch(page.records, {"token": token, "pages": pages, "done": token is None}, progress)


def _id_batches(job: IngestionJob, client: ArxivClient, ids: list[str]) -> Iterator[Batch]:
    chunks = [ids[i : i + API_CHUNK] for i in range(0, len(ids), API_CHUNK)]
    first = job.checkpoint.get("chunk", 0)
    for number in range(first, len(chunks)):
        chunk = chunks[number]
        records: list[PaperRecord | RejectedRecord] = []
        for page in query_api(
            client, base_url=settings.ARXIV_API_URL, id_list=chunk, page_size=API_CHUNK
        ):
            records.extend(page.records)
        found = {r.arxiv_id for r in records if isinstance(r, PaperRecord)}
        records.extend(
            RejectedRecord(ident, "not found on arXiv") for ident in chunk if ident not in found
        )
        checkpoint = {**job.checkpoint, "chunk": number + 1}
        yield Batch(records, checkpoint, (number + 1) / len(chunks))


def _query_batches(job: IngestionJob, client: ArxivClient) -> Iterator[Batch]:
    limit = int(job.params.get("max_results", 1000))
    start = job.checkpoint.get("start", 0)
    for page in query_api(
        client,
        base_url=settings.ARXIV_API_URL,
        search_query=job.params["query"],
        start=start,
        page_size=100,
        max_results=limit - start,
    ):
        start += len(page.records)
        total = min(limit, page.total_results or limit)
        yield Batch(page.records, {"start": start}, start / total if total else None)


def _today_batches(job: IngestionJob, client: ArxivClient) -> Iterator[Batch]:
    """The daily feed gives announcement days and kinds; the API then adds version dates."""
    if job.checkpoint.get("stage") != "api":
        records = fetch_announcements(
            client, base_url=settings.ARXIV_RSS_URL, categories=job.params["categories"]
        )
        ids = [r.arxiv_id for r in records if isinstance(r, PaperRecord)]
        job.checkpoint = {"stage": "api", "ids": ids, "chunk": 0}
        yield Batch(records, job.checkpoint, 0.1)
    yield from _id_batches(job, client, job.checkpoint["ids"])
