"""/healthz and the `healthcheck` probe: 200 when database, broker and index answer, else 503
naming what is down (details only in the log)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from coolpapers.celery import app as celery_app
from tests.deploy.stack import free_port


def test_all_up_is_200_with_the_index_size(client, index):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["down"] == []
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True}
    search = body["checks"]["search"]
    assert search["ok"] and search["backend"] == "whoosh" and search["documents"] > 0
    assert "no-cache" in response["Cache-Control"]


def test_missing_index_is_503_naming_search(client, db, settings, tmp_path):
    from search.backends import get_backend

    settings.SEARCH_BACKEND_OPTIONS = {"path": str(tmp_path / "never-built")}
    get_backend.cache_clear()
    try:
        response = client.get("/healthz")
    finally:
        get_backend.cache_clear()

    assert response.status_code == 503
    assert response.json()["down"] == ["search"]


def test_unreachable_broker_is_503_naming_the_broker(client, index, monkeypatch, caplog):
    port = free_port()  # nothing listens there
    monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://127.0.0.1:{port}/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
    # Where it failed goes to the log, not to whoever asked.
    assert str(port) not in response.content.decode()
    assert any(str(port) in record.getMessage() for record in caplog.records)


def test_database_error_is_503_naming_the_database(client, index, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["database"]


@pytest.mark.django_db(transaction=True)
def test_probe_command_passes_on_200_and_fails_naming_what_is_down(live_server, settings, tmp_path):
    from search.backends import get_backend

    port = int(live_server.url.rsplit(":", 1)[1])
    settings.SEARCH_BACKEND_OPTIONS = {"path": str(tmp_path / "never-built")}
    get_backend.cache_clear()
    try:
        with pytest.raises(CommandError, match=r'503.*"down": \["search"\]'):
            call_command("healthcheck", "--port", str(port))
        get_backend().clear()  # an empty but working index
        call_command("healthcheck", "--port", str(port))
    finally:
        get_backend.cache_clear()
    with pytest.raises(CommandError, match="no answer"):
        call_command("healthcheck", "--port", str(free_port()), "--timeout", "2")


def test_bm25_mode_is_reported_when_semantic_is_off(client, db):
    # every test not marked `semantic` runs with SEMANTIC=off (tests/conftest.py)
    response = client.get("/healthz")
    semantic = response.json()["checks"]["semantic"]
    assert semantic == {"ok": True, "mode": "bm25", "detail": "BM25 only (SEMANTIC=off)"}


@pytest.mark.semantic
def test_semantic_mode_is_reported_with_how_many_papers_are_embedded(
    client, papers, settings, monkeypatch
):
    import numpy as np

    from coolpapers.papers.models import Paper
    from coolpapers.semantic import store

    settings.SEMANTIC, settings.SEMANTIC_MODEL = "auto", ""
    rows = list(Paper.objects.values_list("pk", "content_hash")[:3])
    unit = np.eye(3, 384, dtype=np.float32)  # the check counts rows, it never reads vectors
    store.save([pk for pk, _ in rows], [h for _, h in rows], unit)
    total = Paper.objects.count()

    semantic = client.get("/healthz").json()["checks"]["semantic"]
    assert semantic == {
        "ok": True,
        "mode": "semantic",
        "detail": f"BM25 + embeddings (all-MiniLM-L6-v2), 3 of {total} papers embedded",
        "model": "all-MiniLM-L6-v2",
        "embedded": 3,
        "papers": total,
    }

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        body = client.get("/healthz").json()
    # the mode still shows; only the database is down
    assert "database" in body["down"] and "semantic" not in body["down"]
    assert body["checks"]["semantic"] == {"ok": True, "mode": "semantic"}
