"""Staff create and steer ingestion jobs in the admin; the list shows status and progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coolpapers.ingestion import tasks
from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from tests.conftest import ARXIV_FIXTURES

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:ingestion_ingestionjob_changelist"


@pytest.fixture
def queued(monkeypatch) -> list[list]:
    """Records what would go to the broker (the real broker is exercised in test_worker)."""
    sent: list[list] = []

    class Result:
        id = "task-id-1"

    def apply_async(args, **kwargs):
        sent.append(args)
        return Result()

    monkeypatch.setattr(tasks.run_ingestion_job, "apply_async", apply_async)
    return sent


def test_staff_create_a_file_job_and_it_is_queued(
    admin_client, admin_user, queued, django_capture_on_commit_callbacks
):
    path = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:ingestion_ingestionjob_add"),
            {
                "kind": JobKind.FILE,
                "path": str(path),
                "format": "auto",
                "metadata_prefix": "arXiv",
                "max_results": 1000,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = IngestionJob.objects.get()
    assert job.created_by == admin_user
    assert job.params == {"path": str(path), "format": "auto"}
    assert queued == [[job.pk]]
    assert job.status == JobStatus.QUEUED
    job.refresh_from_db()
    assert job.celery_task_id == "task-id-1"


def test_oai_job_from_the_form(admin_client, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:ingestion_ingestionjob_add"),
            {
                "kind": JobKind.OAI,
                "set_spec": "cs",
                "from_date": "2026-11-01",
                "until": "2026-11-02",
                "metadata_prefix": "arXivRaw",
                "format": "auto",
                "max_results": 1000,
            },
        )
    job = IngestionJob.objects.get()
    assert job.params == {
        "set": "cs",
        "from": "2026-11-01",
        "until": "2026-11-02",
        "metadata_prefix": "arXivRaw",
    }


def test_bad_form_input_is_explained(admin_client, queued):
    response = admin_client.post(
        reverse("admin:ingestion_ingestionjob_add"),
        {
            "kind": JobKind.API_IDS,
            "ids": "2401.01234 not-an-id",
            "format": "auto",
            "metadata_prefix": "arXiv",
            "max_results": 1000,
        },
    )
    assert response.status_code == 200
    assert "is not an arXiv id" in response.content.decode()
    response = admin_client.post(
        reverse("admin:ingestion_ingestionjob_add"),
        {
            "kind": JobKind.FILE,
            "path": "/nonexistent/file.xml",
            "format": "auto",
            "metadata_prefix": "arXiv",
            "max_results": 1000,
        },
    )
    assert "no such file or directory" in response.content.decode()
    assert not IngestionJob.objects.exists() and not queued


def test_list_shows_status_progress_and_the_failure_cause(admin_client):
    IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": "/x"},
        status=JobStatus.RUNNING,
        progress=0.42,
        created_count=420,
    )
    failed = IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": "/y"},
        status=JobStatus.FAILED,
        error="/y: line 1: not JSON lines",
    )
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert '<progress max="100" value="42"' in html and "42%" in html
    assert 'data-active-jobs="1"' in html
    assert "Harvest today" in html
    detail = admin_client.get(
        reverse("admin:ingestion_ingestionjob_change", args=[failed.pk])
    ).content.decode()
    assert "/y: line 1: not JSON lines" in detail


def test_cancel_retry_and_resume_actions(admin_client, queued, django_capture_on_commit_callbacks):
    running = IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": "/x"},
        status=JobStatus.RUNNING,
        lease_expires=timezone.now() + timedelta(minutes=2),  # its worker is alive
    )
    failed = IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": "/y"},
        status=JobStatus.FAILED,
        checkpoint={"file": 0, "record": 50},
        created_count=50,
    )
    url = reverse(CHANGELIST)
    admin_client.post(url, {"action": "cancel_selected", "_selected_action": [running.pk]})
    running.refresh_from_db()
    assert running.cancel_requested and running.status == JobStatus.RUNNING  # stops after its batch

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "resume_selected", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == JobStatus.QUEUED and failed.checkpoint == {"file": 0, "record": 50}
    assert queued == [[failed.pk]]

    IngestionJob.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "retry_selected", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert (
        failed.checkpoint == {} and failed.created_count == 0 and failed.status == JobStatus.QUEUED
    )

    response = admin_client.post(
        url, {"action": "resume_selected", "_selected_action": [failed.pk]}, follow=True
    )
    assert "only failed, cancelled or stranded jobs" in response.content.decode()


def test_a_stranded_running_job_resumes_or_cancels_from_the_admin(
    admin_client, queued, django_capture_on_commit_callbacks
):
    """Issue 20, finding 6: a job whose worker was killed stayed "running" past its lease;
    resume refused it and cancel only set a flag nobody would read."""
    lapsed = timezone.now() - timedelta(seconds=5)
    stranded, other = (
        IngestionJob.objects.create(
            kind=JobKind.FILE,
            params={"path": "/x"},
            status=JobStatus.RUNNING,
            checkpoint={"file": 0, "record": 50},
            lease_expires=lapsed,
        )
        for _ in range(2)
    )
    url = reverse(CHANGELIST)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"action": "resume_selected", "_selected_action": [stranded.pk]}, follow=True
        )
    assert f"Job #{stranded.pk} resumed." in response.content.decode()
    stranded.refresh_from_db()
    assert stranded.status == JobStatus.QUEUED and stranded.checkpoint["record"] == 50
    assert queued == [[stranded.pk]]

    admin_client.post(url, {"action": "cancel_selected", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.status == JobStatus.CANCELLED and other.finished_at is not None


def test_harvest_today_button(admin_client, queued, settings, django_capture_on_commit_callbacks):
    settings.ARXIV_CATEGORIES = ["cs.CL", "math.AG"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:ingestion_ingestionjob_harvest_today"))
    assert response.status_code == 302
    job = IngestionJob.objects.get()
    assert job.kind == JobKind.TODAY and job.params == {"categories": ["cs.CL", "math.AG"]}
    assert queued == [[job.pk]]


def test_admin_requires_login(client):
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and "/login/" in response["Location"]
