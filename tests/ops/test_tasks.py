"""Beat's safety nets, and what staff see when a job cannot reach the broker (the real outage
is in tests/faults/test_redis_outage.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from coolpapers.ingestion import tasks as ingestion_tasks
from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from coolpapers.ops.tasks import repair_index, send_waiting_jobs
from search.backends import get_backend
from search.indexing import compare_index

pytestmark = pytest.mark.django_db
# Jobs are sent on commit: these tests commit, as a request or a task does.
committing = pytest.mark.django_db(transaction=True)


class Broker:
    """Stands in for run_ingestion_job.apply_async: records, or fails like Redis down."""

    def __init__(self, up: bool = True):
        self.up = up
        self.sent: list[int] = []

    def __call__(self, args, **kwargs):
        if not self.up:
            raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")
        self.sent.append(args[0])

        class Result:
            id = f"task-{args[0]}"

        return Result()


@pytest.fixture
def broker(monkeypatch) -> Broker:
    broker = Broker()
    monkeypatch.setattr(ingestion_tasks.run_ingestion_job, "apply_async", broker)
    return broker


def job(age: int, task_id: str = "", status: str = JobStatus.QUEUED) -> IngestionJob:
    created = IngestionJob.objects.create(
        kind=JobKind.TODAY, params={"categories": ["cs.AI"]}, status=status, celery_task_id=task_id
    )
    then = timezone.now() - timedelta(seconds=age)
    IngestionJob.objects.filter(pk=created.pk).update(created_at=then)
    return created


@committing
def test_only_jobs_that_never_reached_the_broker_are_sent(broker, settings):
    settings.JOB_RESEND_INTERVAL = 60
    waiting = job(age=120)
    just_created = job(age=1)  # its own send may be under way
    already_sent = job(age=120, task_id="t-1")
    finished = job(age=120, status=JobStatus.SUCCEEDED)

    assert send_waiting_jobs() == 1

    assert broker.sent == [waiting.pk]
    waiting.refresh_from_db()
    assert waiting.celery_task_id == f"task-{waiting.pk}"
    for other in (just_created, already_sent, finished):
        other.refresh_from_db()
    assert just_created.celery_task_id == "" and already_sent.celery_task_id == "t-1"


@committing
def test_resending_stops_while_the_broker_is_still_down(broker, settings):
    settings.JOB_RESEND_INTERVAL = 60
    first, second = job(age=300), job(age=200)
    broker.up = False

    assert send_waiting_jobs() == 0

    for waiting in (first, second):
        waiting.refresh_from_db()
        assert waiting.status == JobStatus.QUEUED and waiting.celery_task_id == ""
    # The oldest says why it waits; the rest are not tried until the broker answers.
    assert "task queue, which is unreachable" in first.error
    assert second.error == ""


@committing
def test_staff_are_told_the_job_waits(admin_client, broker):
    broker.up = False

    response = admin_client.post("/admin/ingestion/ingestionjob/harvest-today/", follow=True)

    waiting = IngestionJob.objects.get()
    assert response.redirect_chain[-1][0] == "/admin/ingestion/ingestionjob/"
    assert (
        f"Job #{waiting.pk} is saved but the task queue (Redis) is unreachable; it is sent "
        "automatically when the queue is back." in response.content.decode()
    )
    assert waiting.status == JobStatus.QUEUED and waiting.celery_task_id == ""


def test_repair_indexes_what_an_update_lost(index, settings):
    settings.SEARCH_AUTO_INDEX = "celery"
    backend = get_backend()
    lost = sorted(backend.stored_hashes())[:3]
    backend.delete(lost)
    assert compare_index().missing == lost

    assert repair_index() == 3
    assert compare_index().total == 0
    assert repair_index() == 0


def test_repair_waits_for_an_index_and_respects_indexing_off(db, settings, tmp_path, caplog):
    settings.SEARCH_AUTO_INDEX = "off"
    assert repair_index() == 0
    settings.SEARCH_AUTO_INDEX = "celery"
    settings.SEARCH_BACKEND_OPTIONS = {"path": str(tmp_path / "never-built")}
    get_backend.cache_clear()
    try:
        assert repair_index() == 0
    finally:
        get_backend.cache_clear()
    assert "index repair skipped" in caplog.text
