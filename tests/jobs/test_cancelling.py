"""Cancelling: a running job's worker confirms the stop; a dead worker's job is cancelled, never
resumed, by the admin and by beat's sweep alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coolpapers.ingestion.control import cancel_job, resume_job, stranded_jobs
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.jobs.admin import human_duration
from coolpapers.jobs.status import JobStateError, JobStatus
from coolpapers.ops.tasks import resume_stranded_jobs

pytestmark = pytest.mark.django_db


def job(status: str, lease_seconds: int | None = None, **fields) -> IngestionJob:
    lease = None if lease_seconds is None else timezone.now() + timedelta(seconds=lease_seconds)
    return IngestionJob.objects.create(
        kind=JobKind.FILE, params={"path": "/x"}, status=status, lease_expires=lease, **fields
    )


def test_cancel_is_immediate_without_a_live_worker_and_cancelling_with_one():
    queued = job(JobStatus.QUEUED)
    alive = job(JobStatus.RUNNING, lease_seconds=60, created_count=7)
    dead = job(JobStatus.RUNNING, lease_seconds=-5)
    assert cancel_job(queued) == JobStatus.CANCELLED
    assert cancel_job(dead) == JobStatus.CANCELLED
    assert cancel_job(alive) == JobStatus.CANCELLING
    alive.refresh_from_db()
    assert alive.cancel_requested and alive.finished_at is None and alive.created_count == 7
    with pytest.raises(JobStateError, match="already cancelling"):
        cancel_job(alive)
    with pytest.raises(JobStateError, match="only queued or running jobs cancel"):
        cancel_job(queued)


def test_a_stale_copy_of_a_job_does_not_undo_a_worker_that_took_it():
    """The admin's page showed "queued"; a worker took the job meanwhile: cancelling, not a
    cancelled job that its worker goes on filling."""
    stale = job(JobStatus.QUEUED)
    IngestionJob.objects.filter(pk=stale.pk).update(
        status=JobStatus.RUNNING, lease_expires=timezone.now() + timedelta(seconds=60)
    )
    assert cancel_job(stale) == JobStatus.CANCELLING


def test_a_cancelling_job_whose_worker_died_is_cancelled_by_beat_not_resumed(
    django_capture_on_commit_callbacks,
):
    dying = job(JobStatus.CANCELLING, lease_seconds=-5, cancel_requested=True, created_count=3)
    working = job(JobStatus.CANCELLING, lease_seconds=60, cancel_requested=True)
    assert list(stranded_jobs()) == [dying]
    with pytest.raises(JobStateError):
        resume_job(dying)  # the admin's Resume refuses it too
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert resume_stranded_jobs() == 0
    assert sent == []  # nothing queued
    dying.refresh_from_db()
    working.refresh_from_db()
    assert dying.status == JobStatus.CANCELLED and dying.finished_at and dying.created_count == 3
    assert working.status == JobStatus.CANCELLING  # its worker confirms


def test_cancel_of_a_cancelling_job_whose_worker_died_finishes_it():
    dying = job(JobStatus.CANCELLING, lease_seconds=-5, cancel_requested=True)
    assert cancel_job(dying) == JobStatus.CANCELLED


def test_cancelling_counts_as_active():
    assert job(JobStatus.CANCELLING).is_active
    assert not job(JobStatus.CANCELLED).is_active


def test_durations_read_at_a_glance():
    assert [human_duration(s) for s in (3.24, 61, 3725)] == ["3.2 s", "1 min 1 s", "1 h 2 min"]


def test_embedding_jobs_share_the_live_progress_and_the_buttons(admin_client):
    from django.urls import reverse

    from coolpapers.semantic.models import EmbeddingJob

    running = EmbeddingJob.objects.create(
        status=JobStatus.RUNNING, total=512, done_count=256, chunks_total=2, chunks_done=1
    )
    page = admin_client.get(reverse("admin:semantic_embeddingjob_change", args=[running.pk]))
    html = page.content.decode()
    assert "Cancel job" in html and "<b>256</b> embedded" in html and "50%" in html
    fragment = admin_client.get(
        reverse("admin:semantic_embeddingjob_progress") + f"?seen={running.pk}.running"
    ).content.decode()
    assert f'id="embeddingjob-{running.pk}-progress"' in fragment
    response = admin_client.post(
        reverse("admin:semantic_embeddingjob_cancel", args=[running.pk]), follow=True
    )
    running.refresh_from_db()
    assert running.status == JobStatus.CANCELLED
    assert "Resume" in response.content.decode()
