"""The compose stack's own commands (gunicorn, worker, index worker, beat) on the test database
and a private Redis: staff ingest through admin jobs, pages, search and the API answer; then
Redis stops and comes back, and nothing is lost.

The machine's Redis is never stopped (other tests use it): this test runs its own.
"""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from coolpapers.ingestion.models import IngestionJob, JobStatus
from coolpapers.papers.models import Paper
from coolpapers.related import services, store
from search.backends import get_backend
from search.backends.base import IndexUnavailable
from search.indexing import compare_index
from tests.conftest import ABS_DIR, ARXIV_FIXTURES, SAMPLE, database_url
from tests.deploy.stack import RedisServer, Stack, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

KAGGLE = ARXIV_FIXTURES / "kaggle" / "arxiv-metadata-oai-snapshot_first50.jsonl"
PASSWORD = "a-Long-and-rare-passphrase-42"
CHANGELIST = "/admin/ingestion/ingestionjob/"


def login(client: httpx.Client) -> None:
    page = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = client.post(
        "/admin/login/",
        data={"csrfmiddlewaretoken": token, "username": "staff", "password": PASSWORD},
        headers={"Referer": f"{client.base_url}/admin/login/"},
    )
    assert done.status_code == 302, done.text[:500]


def add_file_job(client: httpx.Client, path) -> httpx.Response:
    """The admin's "add ingestion job" form, filled in as staff do."""
    form = client.get(f"{CHANGELIST}add/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return client.post(
        f"{CHANGELIST}add/",
        data={
            "csrfmiddlewaretoken": token,
            "kind": "file",
            "path": str(path),
            "format": "auto",
            "metadata_prefix": "arXiv",
            "max_results": "1000",
        },
        headers={"Referer": f"{client.base_url}{CHANGELIST}add/"},
    )


def last_job() -> IngestionJob:
    return IngestionJob.objects.order_by("-pk").first()


def succeeded(job: IngestionJob) -> bool:
    job.refresh_from_db()
    assert job.status != JobStatus.FAILED, job.error
    return job.status == JobStatus.SUCCEEDED


def indexed_everything() -> bool:
    get_backend.cache_clear()
    try:
        return compare_index().total == 0
    except IndexUnavailable:  # the index worker has not created it yet
        return False


def related_done() -> bool:
    return bool(store.current_version()) and not services.stale_ids()


def reader_pages_answer(client: httpx.Client, paper_id: str) -> None:
    """Pages, search and the API, as a reader and a program use them."""
    for path in ("/", "/arxiv/cs.CV", f"/arxiv/{paper_id}", "/api/categories/"):
        assert client.get(path).status_code == 200, path
    page = client.get("/arxiv/search", params={"q": "vision"})
    assert page.status_code == 200 and "article" in page.text
    api = client.get("/api/search", params={"q": "vision"})
    assert api.status_code == 200 and api.json()["count"] > 0
    assert client.get(f"/api/papers/{paper_id}").json()["id"] == paper_id


def test_stack_ingests_serves_and_rides_out_a_redis_outage(
    tmp_path, settings, django_user_model, static_root
):
    django_user_model.objects.create_superuser("staff", "staff@example.org", PASSWORD)
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    stack = Stack(
        tmp_path / "data",
        database_url(),
        redis.url,
        STATIC_ROOT=str(static_root),
        JOB_RESEND_INTERVAL="2",
        CELERY_VISIBILITY_TIMEOUT="10",
    )
    # This process reads the index the stack's index worker writes.
    settings.SEARCH_BACKEND_OPTIONS = {"path": str(tmp_path / "data" / "index" / "whoosh")}
    stack.start("web", "worker", "compute-worker", "index-worker", "beat")
    client = httpx.Client(base_url=stack.url, timeout=30)
    try:
        stack.wait_until_serving()
        login(client)

        # 1. An admin job ingests; the index worker indexes; everything answers.
        assert add_file_job(client, SAMPLE).status_code == 302
        first = last_job()
        wait_for(lambda: succeeded(first), 90, lambda: f"job #{first.pk}; {stack.log('worker')}")
        wait_for(indexed_everything, 90, lambda: f"the index; {stack.log('index-worker')}")
        health = client.get("/healthz").json()
        assert health["status"] == "ok"
        assert health["checks"]["search"]["documents"] == Paper.objects.count()
        paper_id = Paper.objects.order_by("pk").first().pk
        reader_pages_answer(client, paper_id)
        # Static files as collected into the image: hashed names, compressed, cached for long.
        css = re.search(
            r'href="(/static/coolpapers/css/site\.[0-9a-f]{12}\.css)"', client.get("/").text
        )
        served = client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
        assert served.headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in served.headers["Cache-Control"]

        # 2. With the index worker stopped, a second job leaves index updates queued in Redis.
        stack.stop("index-worker")
        assert add_file_job(client, ABS_DIR).status_code == 302
        second = last_job()
        wait_for(lambda: succeeded(second), 90, lambda: f"job #{second.pk}; {stack.log('worker')}")
        assert compare_index().missing
        # The jobs chained keywords and related lists (RELATED_AUTO=celery, on the compute
        # worker). Redis stops once
        # they are done: a worker that loses Redis while acknowledging a task dies in kombu
        # ("Unrecoverable error") and relies on its supervisor (compose: restart) to come back;
        # Stack restarts it the same way. Beat's task every 2 s keeps that window open anyway.
        settings.RELATED_MODEL_DIR = str(tmp_path / "data" / "related")
        wait_for(related_done, 90, lambda: f"related lists; {stack.log('worker')}")

        # 3. Redis stops: pages, search and the API go on; health names the broker.
        redis.stop()
        reader_pages_answer(client, paper_id)
        outage = client.get("/healthz")
        assert outage.status_code == 503 and outage.json()["down"] == ["broker"]
        # A new job is saved and waits, and staff are told so.
        created = add_file_job(client, KAGGLE)
        assert created.status_code == 302 and created.headers["Location"] == CHANGELIST
        message = unescape(client.get(CHANGELIST).text)
        waiting = last_job()
        assert f"Job #{waiting.pk} is saved but the task queue (Redis) is unreachable" in message
        assert waiting.status == JobStatus.QUEUED and waiting.celery_task_id == ""

        # 4. Redis is back (with what it had queued): the waiting job is sent by beat and
        # runs, the queued index updates are applied, and health is green again.
        redis.start()
        stack.start("index-worker")
        wait_for(
            lambda: succeeded(waiting),
            120,
            lambda: (
                f"job #{waiting.pk}; restarts: {stack.restarts}\n"
                f"beat:\n{stack.log('beat')}\nworker:\n{stack.log('worker')}"
            ),
        )
        wait_for(indexed_everything, 120, lambda: f"the index; {stack.log('index-worker')}")
        wait_for(lambda: client.get("/healthz").status_code == 200, 30, "healthz to recover")
    finally:
        client.close()
        stack.stop()
        redis.stop()
    for job in (first, second, waiting):
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED
    assert waiting.created_count + waiting.updated_count + waiting.unchanged_count == 50
