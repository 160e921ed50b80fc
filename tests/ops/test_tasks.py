"""Beat's safety nets, and what staff see when a job cannot reach the broker (the real outage
is in tests/faults/test_redis_outage.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from coolpapers.ingestion import tasks as ingestion_tasks
from coolpapers.ingestion.control import LOST_AFTER
from coolpapers.ingestion.jobs import run_job
from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from coolpapers.jobs.sending import send_or_leave_to_sweep
from coolpapers.ops.tasks import repair_index, resume_stranded_jobs, send_waiting_jobs
from coolpapers.papers.models import Paper
from search.backends import get_backend
from search.indexing import compare_index
from tests.conftest import SAMPLE

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


def stranded(status: str, lapsed_seconds: int, **fields) -> IngestionJob:
    return IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": str(SAMPLE)},
        status=status,
        celery_task_id="t-old",
        lease_expires=timezone.now() - timedelta(seconds=lapsed_seconds),
        **fields,
    )


@committing
def test_a_running_job_whose_worker_died_is_sent_again_and_runs_once(broker, settings):
    """Issue 20, finding 6: a killed worker's job stayed "running" past its lease for good."""
    settings.SEARCH_AUTO_INDEX = settings.RELATED_AUTO = "off"
    dead = stranded(JobStatus.RUNNING, 5, checkpoint={"file": 0, "record": 10}, created_count=10)
    alive = IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": str(SAMPLE)},
        status=JobStatus.RUNNING,
        lease_expires=timezone.now() + timedelta(minutes=2),
    )

    assert resume_stranded_jobs() == 1
    assert broker.sent == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == JobStatus.QUEUED and dead.checkpoint["record"] == 10
    assert resume_stranded_jobs() == 0  # sent: not again until it counts as lost

    # Delivered twice (Redis gives the dead worker's message back too): it runs once.
    assert run_job(dead.pk).status == JobStatus.SUCCEEDED
    assert run_job(dead.pk).status == JobStatus.SUCCEEDED
    dead.refresh_from_db()
    records = sum(1 for _ in SAMPLE.open())
    assert dead.created_count + dead.updated_count + dead.unchanged_count == records
    assert Paper.objects.count() == records - 10  # from its checkpoint, each record once
    alive.refresh_from_db()
    assert alive.status == JobStatus.RUNNING


@committing
def test_a_queued_job_whose_task_was_lost_is_sent_again(broker):
    lost = stranded(JobStatus.QUEUED, 5)
    assert resume_stranded_jobs() == 1
    assert broker.sent == [lost.pk]
    lost.refresh_from_db()
    assert lost.lease_expires > timezone.now() + LOST_AFTER - timedelta(minutes=1)


@committing
def test_a_stranded_job_staff_asked_to_cancel_is_cancelled(broker):
    cancelled = stranded(JobStatus.RUNNING, 5, cancel_requested=True)
    assert resume_stranded_jobs() == 0 and broker.sent == []
    cancelled.refresh_from_db()
    assert cancelled.status == JobStatus.CANCELLED and cancelled.finished_at


@committing
def test_a_broker_down_after_a_batch_does_not_fail_the_job(monkeypatch, settings, caplog):
    """Issue 20, finding 7: the post-batch index task's OperationalError failed the job."""
    from coolpapers.jobs import sending
    from coolpapers.related.tasks import update_related_task
    from search.tasks import index_papers_task

    settings.SEARCH_AUTO_INDEX = settings.RELATED_AUTO = "celery"
    settings.INGEST_BATCH_SIZE = 20
    monkeypatch.setattr(sending, "SEND_RETRY_DELAYS", (0.0, 0.0))
    index_sends, related_sends = Broker(up=False), Broker(up=False)
    monkeypatch.setattr(index_papers_task, "apply_async", index_sends)
    monkeypatch.setattr(update_related_task, "apply_async", related_sends)
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(SAMPLE)})

    finished = run_job(job.pk)

    assert finished.status == JobStatus.SUCCEEDED, finished.error
    assert finished.created_count == Paper.objects.count() > 20
    assert "index update not sent, left to the repair sweep" in caplog.text
    assert "related update not sent, left to the repair sweep" in caplog.text


def test_a_send_that_fails_briefly_is_retried(monkeypatch):
    from coolpapers.jobs import sending
    from search.tasks import index_papers_task

    monkeypatch.setattr(sending, "SEND_RETRY_DELAYS", (0.0, 0.0, 0.0))
    attempts = []

    def flaky(args, **kwargs):
        attempts.append(args)
        if len(attempts) < 3:
            raise OperationalError("Connection refused.")

    monkeypatch.setattr(index_papers_task, "apply_async", flaky)
    assert send_or_leave_to_sweep(index_papers_task, [["2401.00001"]], "index update")
    assert len(attempts) == 3
