"""Staff create and steer ingestion jobs in the admin; the list shows status and progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
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
    assert "<b>420</b> created" in html and "420 records" in html
    # htmx polls the rows' cells while a job is active: no page reload (refresh.js is gone).
    assert 'hx-trigger="every 2s"' in html and "refresh.js" not in html
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
    response = admin_client.post(
        url, {"action": "cancel_selected", "_selected_action": [running.pk]}, follow=True
    )
    running.refresh_from_db()
    # Its worker is alive: cancelling until the worker stops and confirms (not "cancelled").
    assert running.cancel_requested and running.status == JobStatus.CANCELLING
    assert f"Job #{running.pk} is cancelling" in response.content.decode()

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
    assert f"Job #{stranded.pk} resumed from its checkpoint." in response.content.decode()
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


def running_job(**fields) -> IngestionJob:
    """A job a live worker is running (its lease ahead)."""
    return IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": "/data/" + "very-long-directory-name/" * 8 + "snapshot.json.gz"},
        status=JobStatus.RUNNING,
        started_at=timezone.now() - timedelta(seconds=30),
        lease_expires=timezone.now() + timedelta(minutes=2),
        **fields,
    )


def progress_url(*jobs: IngestionJob, seen: str | None = None) -> str:
    seen = seen or ",".join(f"{job.pk}.{job.status}" for job in jobs)
    return f"{reverse('admin:ingestion_ingestionjob_progress')}?seen={seen}"


def test_the_list_polls_a_fragment_of_cells_until_no_job_is_active(admin_client):
    job = running_job(progress=0.25, created_count=250, rejected_count=2)
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert f'id="ingestionjob-{job.pk}-progress"' in html
    assert f'hx-get="{progress_url(job)}"'.replace(",", "%2C") in html.replace(",", "%2C")
    # The whole source in title=, the cell cut by CSS (admin-jobs.css).
    assert f'class="job-source" title="{job.describe_source()}"' in html

    IngestionJob.objects.filter(pk=job.pk).update(created_count=900, progress=0.5)
    fragment = admin_client.get(progress_url(job)).content.decode()
    assert f'id="ingestionjob-{job.pk}-counts" class="job-counts" hx-swap-oob="true"' in fragment
    assert "<b>900</b> created" in fragment and "50%" in fragment
    assert 'hx-trigger="every 2s"' in fragment  # still active: the next poll
    assert "ingestionjob-announce" not in fragment  # no status changed

    IngestionJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=1.0)
    response = admin_client.get(progress_url(job))
    fragment = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "Succeeded" in fragment and "100%" in fragment
    assert 'id="job-poll" hidden>' in fragment  # no hx-get: polling stops
    assert f"Job #{job.pk} succeeded." in fragment  # for screen readers (role=status)


def test_the_fragments_need_the_view_permission(client, admin_client, django_user_model):
    job = running_job()
    assert client.get(progress_url(job)).status_code == 302  # to the login page
    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(progress_url(job)).status_code == 403
    page = reverse("admin:ingestion_ingestionjob_job_progress", args=[job.pk])
    assert client.get(page).status_code == 403
    assert admin_client.get(page).status_code == 200


def test_the_job_page_has_live_progress_and_buttons_by_status(admin_client):
    job = running_job(created_count=40)
    change = reverse("admin:ingestion_ingestionjob_change", args=[job.pk])
    html = admin_client.get(change).content.decode()
    assert "Cancel job" in html and "Retry from the start" not in html
    assert f'action="{reverse("admin:ingestion_ingestionjob_cancel", args=[job.pk])}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f"ingestionjob-{job.pk}-state" in html and 'hx-trigger="every 2s"' in html
    assert "(running)" not in html  # the heading and breadcrumbs name the job, no stale status

    page = reverse("admin:ingestion_ingestionjob_job_progress", args=[job.pk])
    fragment = admin_client.get(f"{page}?seen=running").content.decode()
    assert "<b>40</b> created" in fragment and "hx-swap-oob" not in fragment  # same buttons

    IngestionJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="disk full")
    fragment = admin_client.get(f"{page}?seen=running").content.decode()
    assert "disk full" in fragment and "Failed" in fragment
    assert f'id="ingestionjob-{job.pk}-operations" class="job-operations" hx-swap-oob="true"' in (
        fragment
    )
    assert "Retry from the start" in fragment and "Resume from the checkpoint" in fragment
    assert "Cancel job" not in fragment and 'hx-trigger="every' not in fragment


def test_the_cancel_button_posts_with_csrf_and_needs_the_change_permission(
    client, django_user_model
):
    job = running_job()
    url = reverse("admin:ingestion_ingestionjob_cancel", args=[job.pk])
    change = reverse("admin:ingestion_ingestionjob_change", args=[job.pk])

    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ingestionjob"))
    client.force_login(viewer)
    assert "Cancel job" not in client.get(change).content.decode()
    assert client.post(url).status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING

    admin = django_user_model.objects.create_superuser("boss", password="x")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    assert strict.post(url).status_code == 403  # no CSRF token
    token = strict.get(change).cookies["csrftoken"].value
    assert strict.get(url).status_code == 405
    response = strict.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert response.redirect_chain[-1][0] == change
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLING and job.cancel_requested
    html = response.content.decode()
    assert "is cancelling" in html and "Cancelling" in html and "Cancel job" not in html
    # Pressed again (another tab): a warning, nothing changes.
    again = strict.post(url, {"csrfmiddlewaretoken": token}, follow=True).content.decode()
    assert "already cancelling" in again


def test_retry_and_resume_buttons(admin_client, queued, django_capture_on_commit_callbacks):
    job = IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": "/y"},
        status=JobStatus.CANCELLED,
        checkpoint={"file": 0, "record": 5},
        created_count=5,
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:ingestion_ingestionjob_resume", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.checkpoint == {"file": 0, "record": 5}
    IngestionJob.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:ingestion_ingestionjob_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.checkpoint == {} and job.created_count == 0
    assert queued == [[job.pk], [job.pk]]


def test_a_field_of_another_kind_is_refused_with_the_kind_it_belongs_to(admin_client, queued):
    add = reverse("admin:ingestion_ingestionjob_add")
    html = admin_client.get(add).content.decode()
    assert "data-kind-fields=" in html and "admin-jobs.js" in html  # the show/hide rule
    response = admin_client.post(
        add, {"kind": JobKind.OAI, "set_spec": "cs", "path": "/tmp", "format": "auto"}
    )
    assert response.status_code == 200
    assert (
        "Not used by “OAI-PMH harvest (set and dates)”: clear it, or choose "
        "“File or directory on the server” as the kind."
    ) in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert not IngestionJob.objects.exists()

    # Defaults of the other kinds' fields left alone (or not sent: disabled by the script).
    for data in (
        {"kind": JobKind.OAI, "set_spec": "cs", "format": "auto", "max_results": 1000},
        {"kind": JobKind.OAI, "set_spec": "math"},
    ):
        assert admin_client.post(add, data).status_code == 302
    assert list(IngestionJob.objects.values_list("params__set", flat=True)) == ["math", "cs"]
