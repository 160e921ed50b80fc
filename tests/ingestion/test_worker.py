"""Jobs on a real Celery worker: on Redis (killed mid-job and restarted) and on the embedded
on-disk broker that `make run` uses."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from coolpapers.ingestion.tasks import run_ingestion_job
from coolpapers.papers.models import Paper
from tests.conftest import stop_process_group
from tests.workers import filesystem_broker, producer, start_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "coolpapers" / "ingestion" / "demo" / "arxiv-demo.jsonl.gz"
DEMO_PAPERS = 2722
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def job_state(pk: int) -> IngestionJob:
    return IngestionJob.objects.get(pk=pk)


def test_killed_worker_resumes_job_with_nothing_lost_or_duplicated(tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        "REDIS_URL": REDIS_URL,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "INGEST_BATCH_SIZE": "25",
        "INGEST_JOB_LEASE": "4",
    }
    log = tmp_path / "worker.log"
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(DEMO)})
    worker = start_worker(log, queues=queue, env=env)
    try:
        with producer(REDIS_URL) as sender:
            run_ingestion_job.apply_async(args=[job.pk], queue=queue, producer=sender)
        wait_for(lambda: job_state(job.pk).created_count >= 100, "the first batches", log, 60)
        kill(worker)  # no warm shutdown: the task stays unacknowledged
        killed = job_state(job.pk)
        assert killed.status == JobStatus.RUNNING and killed.created_count < DEMO_PAPERS
        assert Paper.objects.count() == killed.created_count

        worker = start_worker(log, queues=queue, env=env)
        wait_for(lambda: job_state(job.pk).status == JobStatus.SUCCEEDED, "the job", log)
    finally:
        stop_process_group(worker)
    done = job_state(job.pk)
    assert done.created_count == DEMO_PAPERS
    assert done.unchanged_count == 0 and done.updated_count == 0
    assert Paper.objects.count() == DEMO_PAPERS


def test_embedded_filesystem_broker_runs_jobs_on_a_real_worker(tmp_path):
    data_dir = tmp_path / "data"
    options = filesystem_broker(data_dir)
    log = tmp_path / "worker.log"
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(DEMO)})
    worker = start_worker(log, env={"COOLPAPERS_DATA_DIR": str(data_dir), "REDIS_URL": ""})
    try:
        with producer(options=options) as sender:
            run_ingestion_job.apply_async(args=[job.pk], queue="celery", producer=sender)
        wait_for(lambda: job_state(job.pk).status == JobStatus.SUCCEEDED, "the job", log)
    finally:
        stop_process_group(worker)
    assert job_state(job.pk).created_count == DEMO_PAPERS
