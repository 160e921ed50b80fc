"""Staff start, watch, cancel and resume embedding backfills in the admin; the page says which
mode related papers run in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coolpapers.jobs.status import JobStatus
from coolpapers.semantic import jobs, tasks
from coolpapers.semantic.models import EmbeddingJob, PaperEmbedding

pytestmark = [pytest.mark.semantic, pytest.mark.django_db]

CHANGELIST = "admin:semantic_embeddingjob_changelist"


@pytest.fixture
def queued(monkeypatch) -> list[tuple[int, int]]:
    """(job id, run) of each planning task sent (the real broker is exercised in test_worker)."""
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks.plan_embedding_job, "delay", lambda *args: sent.append(args))
    return sent


def test_the_list_shows_the_mode_and_each_job_s_progress(admin_client, embedded):
    PaperEmbedding.objects.filter(pk__in=embedded[:6]).delete()
    EmbeddingJob.objects.create(
        status=JobStatus.RUNNING, total=66, done_count=20, chunks_total=4, chunks_done=1
    )
    EmbeddingJob.objects.create(
        status=JobStatus.FAILED, error="SemanticUnavailable: cannot load the embedding model"
    )
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert 'data-mode="semantic"' in html
    assert "BM25 + embeddings (all-MiniLM-L6-v2), 60 of 66 papers embedded" in html
    assert '<progress max="100" value="25" class="job-active"' in html
    assert "<b>20</b> embedded" in html and "<b>66</b> in all" in html
    assert 'hx-trigger="every 2s"' in html  # htmx polls while a job is active
    assert 'title="SemanticUnavailable: cannot load the embedding model"' in html


def test_the_list_says_bm25_when_semantic_is_off(admin_client, db, settings):
    settings.SEMANTIC = "off"
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert 'data-mode="bm25"' in html and "BM25 only (SEMANTIC=off)" in html
    assert 'id="job-poll" hidden>' in html  # nothing active: no polling


def test_the_add_form_starts_a_job(
    admin_client, admin_user, sample, queued, django_capture_on_commit_callbacks
):
    assert admin_client.get(reverse("admin:semantic_embeddingjob_add")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:semantic_embeddingjob_add"), {})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = EmbeddingJob.objects.get()
    assert job.created_by == admin_user
    assert (job.status, job.run) == (JobStatus.QUEUED, 1)
    assert queued == [(job.pk, 1)]
    # what the worker does with it: plans the 66 stale papers
    chunks: list[list[str]] = []
    assert jobs.plan(job.pk, 1, chunks.extend) == 66
    assert sorted(pid for chunk in chunks for pid in chunk) == sample


def test_cancel_and_resume_actions(admin_client, db, queued, django_capture_on_commit_callbacks):
    running = EmbeddingJob.objects.create(status=JobStatus.RUNNING, run=1)
    url = reverse(CHANGELIST)
    admin_client.post(url, {"action": "cancel_selected", "_selected_action": [running.pk]})
    running.refresh_from_db()
    assert running.status == JobStatus.CANCELLED

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"action": "resume_selected", "_selected_action": [running.pk]}, follow=True
        )
    running.refresh_from_db()
    assert (running.status, running.run) == (JobStatus.QUEUED, 2)
    assert queued == [(running.pk, 2)]
    assert f"Job #{running.pk} queued again." in response.content.decode()

    EmbeddingJob.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING)
    response = admin_client.post(
        url, {"action": "resume_selected", "_selected_action": [running.pk]}, follow=True
    )
    assert f'<li class="warning">Job #{running.pk} is running</li>' in response.content.decode()
    assert queued == [(running.pk, 2)]


def test_a_failed_job_s_page_shows_the_cause(admin_client, db):
    failed = EmbeddingJob.objects.create(
        status=JobStatus.FAILED, error="OperationalError: database is locked"
    )
    html = admin_client.get(
        reverse("admin:semantic_embeddingjob_change", args=[failed.pk])
    ).content.decode()
    assert "OperationalError: database is locked" in html
    assert 'name="_save"' not in html  # jobs change through the actions only


def test_admin_requires_login(client, db):
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and "/login/" in response["Location"]
