"""Embedding backfill jobs, step by step as the workers run them: planning counts the stale
papers, chunks count what they embed, a cancelled job's chunks stop, a resumed job embeds only
what is still stale, and a failure says why. (A real worker runs one in test_worker.py.)"""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection

from coolpapers.jobs.status import JobStatus
from coolpapers.related import services as related_services
from coolpapers.semantic import encoder, jobs, store, tasks
from coolpapers.semantic.models import EmbeddingJob, PaperEmbedding

pytestmark = [pytest.mark.semantic, pytest.mark.django_db]


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """jobs.start, recording the (job id, run) the planning task would get."""
    sent: list[tuple[int, int]] = []

    def start(job: EmbeddingJob) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            jobs.start(job, lambda job_id, run: sent.append((job_id, run)))
        assert sent[-1][0] == job.pk
        return sent[-1][1]

    return start


def plan(job: EmbeddingJob, run: int) -> list[list[str]]:
    chunks: list[list[str]] = []
    jobs.plan(job.pk, run, chunks.extend)
    return chunks


def state(job: EmbeddingJob) -> EmbeddingJob:
    job.refresh_from_db()
    return job


def test_a_job_embeds_every_stale_paper_in_chunks_and_counts_them(
    embedded, start, relisted, monkeypatch
):
    monkeypatch.setattr(jobs, "CHUNK", 8)
    stale = embedded[10:30]  # the others are current (e.g. embedded by an ingestion): kept
    PaperEmbedding.objects.filter(pk__in=stale).delete()
    kept = dict(PaperEmbedding.objects.values_list("pk", "computed_at"))
    job = EmbeddingJob.objects.create()
    run = start(job)
    assert run == 1 and state(job).status == JobStatus.QUEUED and job.percent == 0

    chunks = plan(job, run)
    assert [len(c) for c in chunks] == [8, 8, 4]
    assert sorted(pid for c in chunks for pid in c) == stale
    job = state(job)
    assert job.status == JobStatus.RUNNING and job.model == "all-MiniLM-L6-v2"
    assert (job.total, job.chunks_total, job.started_at is not None) == (20, 3, True)

    assert jobs.embed_chunk(job.pk, run, 0, chunks[0]) == 8
    job = state(job)
    assert (job.done_count, job.chunks_done, job.percent) == (8, 1, 33)
    assert job.status == JobStatus.RUNNING and not relisted
    assert jobs.embed_chunk(job.pk, run, 1, chunks[1]) == 8
    assert jobs.embed_chunk(job.pk, run, 2, chunks[2]) == 4
    job = state(job)
    assert job.status == JobStatus.SUCCEEDED and job.finished_at is not None
    assert (job.done_count, job.total, job.percent) == (20, 20, 100)
    assert store.stale_ids() == []
    assert dict(PaperEmbedding.objects.exclude(pk__in=stale).values_list("pk", "computed_at")) == (
        kept
    )
    # every related list is queued again, to use the new embeddings
    assert relisted == list(related_services.chunks(embedded, related_services.CHUNK))


def test_a_redelivered_chunk_counts_nothing_and_the_job_waits_for_the_others(
    embedded, start, relisted, monkeypatch
):
    """A worker that dies after committing a chunk and before acknowledging it gets the chunk
    delivered again (late acknowledgement): counted twice, it would end the job early."""
    monkeypatch.setattr(jobs, "CHUNK", 8)
    PaperEmbedding.objects.filter(pk__in=embedded[:16]).delete()
    job = EmbeddingJob.objects.create()
    run = start(job)
    chunks = plan(job, run)
    assert len(chunks) == 2
    assert jobs.embed_chunk(job.pk, run, 0, chunks[0]) == 8
    assert jobs.embed_chunk(job.pk, run, 0, chunks[0]) == 0  # the same chunk again
    job = state(job)
    assert (job.done_count, job.chunks_done, job.status) == (8, 1, JobStatus.RUNNING)
    assert not relisted and len(store.stale_ids()) == 8
    assert jobs.embed_chunk(job.pk, run, 1, chunks[1]) == 8
    job = state(job)
    assert (job.done_count, job.chunks_done, job.status) == (16, 2, JobStatus.SUCCEEDED)
    assert store.stale_ids() == []


def test_resuming_a_cancelled_job_embeds_only_the_papers_still_stale(
    embedded, start, relisted, monkeypatch
):
    monkeypatch.setattr(jobs, "CHUNK", 10)
    stale = embedded[:26]
    PaperEmbedding.objects.filter(pk__in=stale).delete()
    job = EmbeddingJob.objects.create()
    first = plan(job, start(job))
    assert [len(c) for c in first] == [10, 10, 6]
    assert jobs.embed_chunk(job.pk, 1, 0, first[0]) == 10
    embedded_at = dict(
        PaperEmbedding.objects.filter(pk__in=first[0]).values_list("pk", "computed_at")
    )

    jobs.cancel(state(job))
    assert state(job).status == JobStatus.CANCELLED and job.finished_at is not None
    assert jobs.embed_chunk(job.pk, 1, 1, first[1]) == 0  # queued before the cancel: stops
    assert store.stale_ids() == sorted(first[1] + first[2])

    assert start(job) == 2
    job = state(job)
    assert job.status == JobStatus.QUEUED and job.finished_at is None
    second = plan(job, 2)
    assert sorted(pid for c in second for pid in c) == sorted(first[1] + first[2])
    job = state(job)
    assert (job.total, job.done_count, job.chunks_total, job.chunks_done) == (26, 10, 3, 1)
    assert job.percent == 33
    # a chunk of the first run, delivered late, does nothing
    assert jobs.embed_chunk(job.pk, 1, 1, first[1]) == 0
    assert state(job).chunks_done == 1 and len(store.stale_ids()) == 16

    assert sum(jobs.embed_chunk(job.pk, 2, n, chunk) for n, chunk in enumerate(second)) == 16
    job = state(job)
    assert job.status == JobStatus.SUCCEEDED and job.done_count == 26
    assert store.stale_ids() == []
    again = dict(PaperEmbedding.objects.filter(pk__in=first[0]).values_list("pk", "computed_at"))
    assert again == embedded_at  # not embedded twice


def test_planning_an_old_run_or_a_cancelled_job_does_nothing(sample, start, relisted):
    job = EmbeddingJob.objects.create()
    start(job)
    assert start(job) == 2  # resumed while still queued: the first run's plan is stale
    assert plan(job, 1) == [] and state(job).status == JobStatus.QUEUED
    jobs.cancel(job)
    assert plan(job, 2) == [] and state(job).status == JobStatus.CANCELLED
    assert not PaperEmbedding.objects.exists()


def test_a_job_with_nothing_stale_succeeds_at_once(embedded, start, relisted):
    job = EmbeddingJob.objects.create()
    assert plan(job, start(job)) == []
    job = state(job)
    assert job.status == JobStatus.SUCCEEDED and (job.total, job.percent) == (0, 100)


def test_running_and_finished_jobs_refuse_start_and_cancel(sample, start, relisted):
    running = EmbeddingJob.objects.create(status=JobStatus.RUNNING)
    with pytest.raises(jobs.JobStateError, match="is running"):
        start(running)
    done = EmbeddingJob.objects.create(status=JobStatus.SUCCEEDED)
    with pytest.raises(jobs.JobStateError, match="is succeeded: only a queued or running"):
        jobs.cancel(done)


def test_a_failing_chunk_fails_the_job_with_its_cause(sample, start, relisted, settings):
    job = EmbeddingJob.objects.create()
    run = start(job)
    (chunk,) = plan(job, run)
    settings.SEMANTIC_MODEL = "/nonexistent/model-dir"  # e.g. a wrong path in production
    with pytest.raises(jobs.encoder.SemanticUnavailable):
        jobs.embed_chunk(job.pk, run, 0, chunk)
    job = state(job)
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.error.startswith(
        "SemanticUnavailable: cannot load the embedding model '/nonexistent/model-dir'"
    )
    assert (job.done_count, job.chunks_done) == (0, 0) and not PaperEmbedding.objects.exists()
    assert not relisted


def test_a_job_fails_at_once_when_semantic_is_off(sample, start, relisted, settings):
    settings.SEMANTIC = "off"
    job = EmbeddingJob.objects.create()
    assert plan(job, start(job)) == []
    job = state(job)
    assert job.status == JobStatus.FAILED
    assert job.error == "BM25 only (SEMANTIC=off): nothing can be embedded"


def locked(monkeypatch, times: int) -> list[int]:
    """store.save raises "database is locked" `times` times (SQLite busy under load)."""
    calls: list[int] = []
    save = store.save

    def busy(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("database is locked")
        return save(*args, **kwargs)

    monkeypatch.setattr(store, "save", busy)
    return calls


def test_a_chunk_retried_after_a_busy_database_still_completes_the_job(
    embedded, start, relisted, monkeypatch
):
    PaperEmbedding.objects.filter(pk=embedded[0]).delete()
    job = EmbeddingJob.objects.create()
    run = start(job)
    (chunk,) = plan(job, run)
    calls = locked(monkeypatch, 1)
    tasks.embed_chunk_task.apply(args=[job.pk, run, 0, chunk])  # the retry runs at once
    job = state(job)
    assert len(calls) == 2
    assert job.status == JobStatus.SUCCEEDED and job.error == "" and job.done_count == 1


def test_a_chunk_still_failing_after_its_retries_fails_the_job(
    embedded, start, relisted, monkeypatch
):
    PaperEmbedding.objects.filter(pk=embedded[0]).delete()
    job = EmbeddingJob.objects.create()
    run = start(job)
    (chunk,) = plan(job, run)
    calls = locked(monkeypatch, 100)
    tasks.embed_chunk_task.apply(args=[job.pk, run, 0, chunk])
    job = state(job)
    assert len(calls) == 1 + tasks.embed_chunk_task.max_retries
    assert job.status == JobStatus.FAILED and job.error == "OperationalError: database is locked"


@pytest.mark.django_db(transaction=True)
def test_the_model_encodes_outside_any_transaction(embedded, start, relisted, monkeypatch):
    """SQLite (transaction_mode IMMEDIATE) takes its write lock when a transaction begins: a
    chunk encoding for seconds inside one would stall every other writer (ingestion, the
    other workers' chunks) until they fail with "database is locked"."""
    PaperEmbedding.objects.filter(pk__in=embedded[:2]).delete()
    job = EmbeddingJob.objects.create()
    (chunk,) = plan(job, start(job))
    in_transaction: list[bool] = []
    encode = encoder.encode

    def watched(texts, *args, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return encode(texts, *args, **kwargs)

    monkeypatch.setattr(encoder, "encode", watched)
    assert jobs.embed_chunk(job.pk, 1, 0, chunk) == 2
    assert in_transaction == [False]
    assert state(job).status == JobStatus.SUCCEEDED and store.stale_ids() == []
