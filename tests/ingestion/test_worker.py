"""Jobs on a real Celery worker: on Redis (killed mid-job and restarted) and on the embedded
on-disk broker that `make run` uses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from coolpapers.ingestion.tasks import run_ingestion_job
from coolpapers.papers.models import Paper
from tests.conftest import database_url, stop_process_group

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "coolpapers" / "ingestion" / "demo" / "arxiv-demo.jsonl.gz"
DEMO_PAPERS = 2722
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def start_worker(queue: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "coolpapers",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def wait_for(predicate, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


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
    worker = start_worker(queue, env, log)
    try:
        with Connection(REDIS_URL) as conn, conn.Producer() as producer:
            run_ingestion_job.apply_async(args=[job.pk], queue=queue, producer=producer)
        wait_for(lambda: job_state(job.pk).created_count >= 100, 60, "the first batches", log)
        kill(worker)  # no warm shutdown: the task stays unacknowledged
        killed = job_state(job.pk)
        assert killed.status == JobStatus.RUNNING and killed.created_count < DEMO_PAPERS
        assert Paper.objects.count() == killed.created_count

        worker = start_worker(queue, env, log)
        wait_for(lambda: job_state(job.pk).status == JobStatus.SUCCEEDED, 120, "the job", log)
    finally:
        stop_process_group(worker)
    done = job_state(job.pk)
    assert done.created_count == DEMO_PAPERS
    assert done.unchanged_count == 0 and done.updated_count == 0
    assert Paper.objects.count() == DEMO_PAPERS


def test_embedded_filesystem_broker_runs_jobs_on_a_real_worker(tmp_path):
    data_dir = tmp_path / "data"
    queue_dir = data_dir / "broker" / "queue"
    queue_dir.mkdir(parents=True)
    (data_dir / "broker" / "processed").mkdir()
    (data_dir / "broker" / "control").mkdir()
    env = {"COOLPAPERS_DATA_DIR": str(data_dir), "REDIS_URL": ""}
    log = tmp_path / "worker.log"
    queue = "celery"
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(DEMO)})
    worker = start_worker(queue, env, log)
    try:
        options = {
            "data_folder_in": str(queue_dir),
            "data_folder_out": str(queue_dir),
            "control_folder": str(data_dir / "broker" / "control"),
        }
        with (
            Connection("filesystem://", transport_options=options) as conn,
            conn.Producer() as producer,
        ):
            run_ingestion_job.apply_async(args=[job.pk], queue=queue, producer=producer)
        wait_for(lambda: job_state(job.pk).status == JobStatus.SUCCEEDED, 120, "the job", log)
    finally:
        stop_process_group(worker)
    assert job_state(job.pk).created_count == DEMO_PAPERS
