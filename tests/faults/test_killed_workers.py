"""The compose stack's two workers, each killed (SIGKILL, no warm shutdown) in the middle of its
work: the ingestion worker during a job, the index worker while it holds the index's write
lock. Restarted, both finish: every paper stored once and indexed once, `check_index` clean.

Killing the ingestion worker right after a batch commits (when the test sees it) usually lands
before the batch's index update is sent: that update is lost, and beat's repair sweep
(coolpapers.ops.tasks.repair_index) is what indexes those papers.
"""

from __future__ import annotations

import time

import pytest
from kombu import Connection

from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from coolpapers.ingestion.tasks import run_ingestion_job
from coolpapers.papers.models import Paper
from search.backends import get_backend
from search.backends.base import IndexUnavailable
from search.indexing import compare_index
from tests.conftest import database_url
from tests.deploy.stack import ROOT, RedisServer, Stack, wait_for
from tests.faults.test_index_lock import is_locked, write_lock

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DEMO = ROOT / "coolpapers" / "ingestion" / "demo" / "arxiv-demo.jsonl.gz"
DEMO_PAPERS = 2722


def index_is_being_written() -> bool:
    get_backend.cache_clear()
    backend = get_backend()
    generation = backend._current_generation()
    return generation is not None and is_locked(write_lock(backend.root / generation))


def index_matches_database() -> bool:
    get_backend.cache_clear()
    try:
        return compare_index().total == 0
    except IndexUnavailable:
        return False


def test_killed_ingestion_and_index_workers_finish_after_restart(tmp_path, settings):
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    stack = Stack(
        tmp_path / "data",
        database_url(),
        redis.url,
        INGEST_BATCH_SIZE="50",
        INGEST_JOB_LEASE="4",
        CELERY_VISIBILITY_TIMEOUT="3",
        INDEX_REPAIR_INTERVAL="5",
    )
    settings.SEARCH_BACKEND_OPTIONS = {"path": str(tmp_path / "data" / "index" / "whoosh")}
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(DEMO)})
    stack.start("worker", "index-worker", "beat")
    try:
        with Connection(redis.url) as conn, conn.Producer() as producer:
            run_ingestion_job.apply_async(args=[job.pk], producer=producer)

        def stored() -> int:
            job.refresh_from_db()
            return job.created_count

        wait_for(lambda: stored() >= 200, 120, lambda: f"the first batches; {stack.log('worker')}")
        stack.kill("worker")
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and job.created_count < DEMO_PAPERS
        stack.start("worker")

        # Catch the index worker holding the write lock, then kill it there.
        wait_for(
            index_is_being_written, 120, lambda: f"an index write; {stack.log('index-worker')}"
        )
        stack.kill("index-worker")
        time.sleep(0.5)
        assert not index_is_being_written()  # the lock died with the writer
        stack.start("index-worker")

        wait_for(
            lambda: stored() == DEMO_PAPERS and job.status == JobStatus.SUCCEEDED,
            180,
            lambda: f"the job; {stack.log('worker')}",
        )
        wait_for(index_matches_database, 180, lambda: f"the index; {stack.log('index-worker')}")
    finally:
        stack.stop()
        redis.stop()
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.unchanged_count) == (DEMO_PAPERS, 0, 0)
    assert Paper.objects.count() == DEMO_PAPERS
    assert get_backend().document_count() == DEMO_PAPERS  # each paper indexed once
