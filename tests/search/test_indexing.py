"""Keeping the index in step: the signal queues index tasks, a real worker writes them,
check_index finds and repairs differences, rebuild_index swaps in a full index."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from coolpapers.papers.models import Paper
from search import backends
from search.indexing import compare_index
from search.tasks import index_papers_task
from tests.conftest import ARXIV_FIXTURES, stop_process_group
from tests.workers import filesystem_broker, producer, start_worker, wait_for

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"


@pytest.fixture
def index_dir(settings, tmp_path):
    path = tmp_path / "data" / "index" / "whoosh"
    settings.SEARCH_BACKEND_OPTIONS = {"path": str(path)}
    backends.get_backend.cache_clear()
    cache.clear()
    yield path
    backends.get_backend.cache_clear()
    cache.clear()


@pytest.mark.django_db
def test_ingestion_queues_changed_papers_for_the_index_queue(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SEARCH_AUTO_INDEX = "celery"
    sent = []
    monkeypatch.setattr(index_papers_task, "apply_async", lambda args, **kw: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_arxiv", str(SAMPLE), "--batch-size", "40", verbosity=0)
    assert [len(batch) for batch in sent] == [40, 26]
    assert sorted(pk for batch in sent for pk in batch) == sorted(
        Paper.objects.values_list("pk", flat=True)
    )
    from coolpapers.settings import CELERY_TASK_ROUTES

    assert CELERY_TASK_ROUTES["search.tasks.*"] == {"queue": "index"}


@pytest.mark.django_db
def test_sync_mode_indexes_at_once_and_check_index_agrees(
    settings, index_dir, django_capture_on_commit_callbacks, capsys
):
    settings.SEARCH_AUTO_INDEX = "sync"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    assert backends.get_backend().document_count() == 66
    call_command("check_index")
    assert "The index matches the database." in capsys.readouterr().out


@pytest.mark.django_db
def test_check_index_reports_and_repairs(settings, index_dir, capsys):
    settings.SEARCH_AUTO_INDEX = "off"
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    call_command("rebuild_index", verbosity=0)
    backend = backends.get_backend()
    backend.delete(["2503.11685", "2503.11692"])
    Paper.objects.filter(pk="2503.11677").update(content_hash="changed")
    backend.index_documents([backend_doc("2503.99999")])
    diff = compare_index()
    assert diff.missing == ["2503.11685", "2503.11692"]
    assert diff.stale == ["2503.11677"] and diff.orphans == ["2503.99999"]
    with pytest.raises(Exception, match="4 differences; run check_index --repair"):
        call_command("check_index")
    call_command("check_index", "--repair")
    assert "Repaired 4 differences" in capsys.readouterr().out
    assert compare_index().total == 0


def backend_doc(arxiv_id: str):
    from search.documents import documents_for

    doc = documents_for(["2503.11685"])[0]
    return doc.__class__(**{**doc.__dict__, "arxiv_id": arxiv_id})


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_index_task_runs_on_a_real_worker(settings, index_dir, tmp_path):
    settings.SEARCH_AUTO_INDEX = "off"
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    data = tmp_path / "data"
    options = filesystem_broker(data)
    log = tmp_path / "worker.log"
    worker = start_worker(
        log, queues="index", env={"COOLPAPERS_DATA_DIR": str(data), "REDIS_URL": ""}
    )
    try:
        ids = list(Paper.objects.values_list("pk", flat=True))
        with producer(options=options) as sender:
            index_papers_task.apply_async(args=[ids[:30]], queue="index", producer=sender)
            index_papers_task.apply_async(args=[ids[30:]], queue="index", producer=sender)
        backend = backends.get_backend()

        def all_indexed() -> bool:
            backend._checked = 0.0
            return backend.document_count() == len(ids)

        wait_for(all_indexed, "both index tasks", log, timeout=90)
    finally:
        stop_process_group(worker)
    assert backend.document_count() == len(ids), log.read_text()[-2000:]
    assert compare_index().total == 0


@pytest.mark.django_db
def test_rebuild_if_empty_only_builds_a_missing_index(index_dir, capsys):
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    call_command("rebuild_index", "--if-empty", verbosity=0)
    assert backends.get_backend().document_count() == 66
    call_command("rebuild_index", "--if-empty")
    assert "holds 66 papers; not rebuilt" in capsys.readouterr().out
