"""The Celery chain on a real worker (two processes) and the embedded on-disk broker: a
rebuild fans out chunk tasks; changed papers get new rows, and enough of them a rebuild."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from kombu import Connection

from coolpapers.papers.models import Paper
from coolpapers.related.models import PaperKeywords, RelatedPaper
from coolpapers.related.tasks import rebuild_related_task, update_related_task
from tests.conftest import SAMPLE, database_url, stop_process_group

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], bool], what: str, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


def current(data: Path) -> str:
    path = data / "related" / "CURRENT"
    return path.read_text().strip() if path.exists() else ""


def all_current(data: Path, count: int) -> bool:
    version = current(data)
    return bool(version) and PaperKeywords.objects.filter(model_version=version).count() == count


def test_rebuild_chunks_and_updates_run_on_a_real_worker(tmp_path):
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    count = Paper.objects.count()
    data = tmp_path / "data"
    queue_dir = data / "broker" / "queue"
    for sub in ("queue", "processed", "control"):
        (data / "broker" / sub).mkdir(parents=True, exist_ok=True)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "coolpapers",
            "worker",
            "-Q",
            "celery",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "COOLPAPERS_DATA_DIR": str(data),
            "REDIS_URL": "",
        },
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    options = {
        "data_folder_in": str(queue_dir),
        "data_folder_out": str(queue_dir),
        "control_folder": str(data / "broker" / "control"),
    }
    try:
        with (
            Connection("filesystem://", transport_options=options) as conn,
            conn.Producer() as producer,
        ):
            # A rebuild: the worker builds the model, then queues chunks of 10 for both processes.
            rebuild_related_task.apply_async(args=[10], producer=producer)
            wait_for(lambda: all_current(data, count), "the rebuild and its chunks", log)
            first = current(data)
            assert RelatedPaper.objects.count() == 20 * count

            # Three changed papers: new rows under the same model, recomputed alone.
            changed = ["2503.11685", "2503.11692", "2503.11731"]
            abstract = Paper.objects.get(pk="2604.21976").abstract  # dark matter, cosmic rays
            for pk in changed:
                Paper.objects.filter(pk=pk).update(content_hash=f"{pk}-v2", abstract=abstract)
            update_related_task.apply_async(args=[changed], producer=producer)
            wait_for(
                lambda: PaperKeywords.objects.filter(content_hash__endswith="-v2").count() == 3,
                "the changed papers",
                log,
            )
            assert current(data) == first
            assert list((data / "related" / first).glob("delta-*.npz"))

            # A fourth one is over 5% of the 66 papers the model was built from: a new model,
            # and every paper recomputed with it.
            Paper.objects.filter(pk="2503.11742").update(content_hash="v2", abstract=abstract)
            update_related_task.apply_async(args=[["2503.11742"]], producer=producer)
            wait_for(
                lambda: current(data) != first and all_current(data, count),
                "the rebuild after 5% changed papers",
                log,
            )
    finally:
        stop_process_group(worker)
    assert RelatedPaper.objects.count() == 20 * count
    states = PaperKeywords.objects.filter(paper_id__in=changed)
    assert {s.content_hash for s in states} == {f"{pk}-v2" for pk in changed}
    assert not (data / "related" / "rebuild-requested").exists()
