"""The Celery chain on a real worker (two processes) and the embedded on-disk broker: a
rebuild fans out chunk tasks; changed papers get new rows, and enough of them a rebuild."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from django.core.management import call_command

from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.ingestion.tasks import run_ingestion_job
from coolpapers.papers.models import Paper
from coolpapers.related import services
from coolpapers.related.models import PaperKeywords, RelatedPaper
from coolpapers.related.tasks import rebuild_related_task, update_related_task
from tests.browse.conftest import DEMO
from tests.conftest import SAMPLE, stop_process_group
from tests.workers import filesystem_broker, producer, start_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


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
    options = filesystem_broker(data)
    log = tmp_path / "worker.log"
    worker = start_worker(
        log, concurrency=2, env={"COOLPAPERS_DATA_DIR": str(data), "REDIS_URL": ""}
    )
    try:
        with producer(options=options) as sender:
            # A rebuild: the worker builds the model, then queues chunks of 10 for both processes.
            rebuild_related_task.apply_async(args=[10], producer=sender)
            wait_for(lambda: all_current(data, count), "the rebuild and its chunks", log)
            first = current(data)
            assert RelatedPaper.objects.count() == 20 * count

            # Three changed papers: new rows under the same model, recomputed alone.
            changed = ["2503.11685", "2503.11692", "2503.11731"]
            abstract = Paper.objects.get(pk="2604.21976").abstract  # dark matter, cosmic rays
            for pk in changed:
                Paper.objects.filter(pk=pk).update(content_hash=f"{pk}-v2", abstract=abstract)
            update_related_task.apply_async(args=[changed], producer=sender)
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
            update_related_task.apply_async(args=[["2503.11742"]], producer=sender)
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


def test_an_ingestion_job_chains_to_stored_related_lists(tmp_path, settings):
    """RELATED_AUTO=celery (the default): each batch the job commits queues its papers'
    keywords and related lists on the same worker."""
    data = tmp_path / "data"
    settings.RELATED_MODEL_DIR = str(data / "related")  # the worker's, for stale_ids()
    options = filesystem_broker(data)
    log = tmp_path / "worker.log"
    env = {
        "COOLPAPERS_DATA_DIR": str(data),
        "REDIS_URL": "",
        "RELATED_AUTO": "celery",
        "INGEST_BATCH_SIZE": "20",
    }
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(SAMPLE)})
    worker = start_worker(log, concurrency=2, env=env)
    try:
        with producer(options=options) as sender:
            run_ingestion_job.apply_async(args=[job.pk], producer=sender)
        wait_for(lambda: IngestionJob.objects.get(pk=job.pk).status == "succeeded", "job", log)
        count = Paper.objects.count()
        assert count == 66
        wait_for(lambda: all_current(data, count), "every paper's lists", log)
    finally:
        stop_process_group(worker)
    assert RelatedPaper.objects.count() == 20 * count
    assert services.stale_ids() == []
    paper = Paper.objects.order_by("pk").first()
    assert PaperKeywords.objects.get(paper=paper).keywords


REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def isolated_redis(url: str) -> str:
    """A Redis database of its own: chunk tasks go to the default queue, which no other
    test's worker may pick up."""
    return url.rsplit("/", 1)[0] + "/7"


def test_a_worker_killed_during_related_chunks_finishes_them_after_restart(tmp_path, settings):
    call_command("ingest_arxiv", str(DEMO), verbosity=0)
    count = Paper.objects.count()
    data = tmp_path / "data"
    data.mkdir()
    settings.RELATED_MODEL_DIR = str(data / "related")
    broker = isolated_redis(REDIS_URL)
    env = {"COOLPAPERS_DATA_DIR": str(data), "REDIS_URL": broker, "CELERY_VISIBILITY_TIMEOUT": "3"}
    with producer(broker) as sender:
        sender.channel.client.flushdb()
    log = tmp_path / "worker.log"
    worker = start_worker(log, env=env)
    try:
        with producer(broker) as sender:
            rebuild_related_task.apply_async(args=[40], producer=sender)
        wait_for(lambda: PaperKeywords.objects.count() >= 200, "the first chunks", log)
        os.killpg(worker.pid, signal.SIGKILL)  # mid-chunk: that chunk stays unacknowledged
        worker.wait(timeout=30)
        done_when_killed = PaperKeywords.objects.count()
        assert done_when_killed < count

        worker = start_worker(log, env=env)
        wait_for(lambda: all_current(data, count), "every chunk after the restart", log, 300)
    finally:
        stop_process_group(worker)
    assert RelatedPaper.objects.count() == 20 * count
    assert set(RelatedPaper.objects.values_list("rank", flat=True)) == set(range(1, 21))
    assert services.stale_ids() == []
