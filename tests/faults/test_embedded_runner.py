"""`make run` (manage.py run_site) on its filesystem broker, its worker killed mid-ingest
(issue 20, finding 6): the site stays up, the worker is restarted, and the job, whose message
the filesystem broker dropped when the worker took it, is sent again by beat once its lease
lapses and finishes from its checkpoint with nothing lost or twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from coolpapers.papers.models import Paper
from tests.conftest import database_url, stop_process_group
from tests.deploy.stack import ROOT, free_port, wait_for
from tests.faults.test_killed_workers import DEMO, DEMO_PAPERS

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def children_of(pid: int) -> dict[int, str]:
    """Direct children of a process: pid → command line (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_text().replace("\0", " ")
        except (OSError, IndexError, ValueError):
            continue
    return found


def worker_pid(runner: subprocess.Popen) -> int | None:
    pids = [p for p, cmd in children_of(runner.pid).items() if "worker@%h" in cmd]
    return pids[0] if pids else None


def test_run_site_restarts_a_killed_worker_and_the_stranded_job_finishes(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "COOLPAPERS_DATA_DIR": str(data),
        "SEARCH_AUTO_INDEX": "off",
        "RELATED_AUTO": "off",
        "SEMANTIC": "off",
        "INGEST_BATCH_SIZE": "50",
        "INGEST_JOB_LEASE": "4",
        "JOB_RESEND_INTERVAL": "2",
        "LLM_LOCAL_PORT": str(free_port()),  # the local model's server, if installed
    }
    env.pop("REDIS_URL", None)  # the embedded default: the filesystem broker
    # Saved as if the broker had been down: beat sends it (from run_site's own processes).
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(DEMO)})
    IngestionJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    runner = subprocess.Popen(
        [sys.executable, "manage.py", "run_site", "--port", str(port), "--web-workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "run_site.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    logs = data / "logs"

    def log(name: str) -> str:
        path = logs / f"{name}.log" if name != "run_site" else tmp_path / "run_site.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stored() -> int:
        job.refresh_from_db()
        return job.created_count

    try:
        wait_for(lambda: stored() >= 200, 180, lambda: f"the first batches; {log('worker')}")
        killed = worker_pid(runner)
        os.killpg(killed, signal.SIGKILL)
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and job.created_count < DEMO_PAPERS

        wait_for(lambda: worker_pid(runner) not in (None, killed), 30, lambda: log("run_site"))
        assert runner.poll() is None, log("run_site")
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code in (200, 503)
        wait_for(
            lambda: stored() == DEMO_PAPERS and job.status == JobStatus.SUCCEEDED,
            240,
            lambda: f"the job ({job.status}); beat:\n{log('beat')}\nworker:\n{log('worker')}",
        )
    finally:
        stop_process_group(runner)
    assert "[run_site] worker exited with code -9" in (logs / "worker.log").read_text()
    assert Paper.objects.count() == DEMO_PAPERS
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.unchanged_count) == (DEMO_PAPERS, 0, 0)
