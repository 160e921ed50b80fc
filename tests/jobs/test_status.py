"""What every kind of job shares: progress, activity and leases, the same for each model."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.jobs.leases import lapsed, lease_until
from coolpapers.jobs.status import JobStatus
from coolpapers.semantic.models import EmbeddingJob


def test_percent_and_activity_read_each_model_s_own_progress():
    ingesting = IngestionJob(kind=JobKind.TODAY, status=JobStatus.RUNNING, progress=0.456)
    embedding = EmbeddingJob(status=JobStatus.QUEUED, chunks_done=1, chunks_total=3)
    assert (ingesting.percent, ingesting.is_active) == (46, True)
    assert (embedding.percent, embedding.is_active) == (33, True)
    assert EmbeddingJob(status=JobStatus.QUEUED).percent == 0  # not planned yet
    for job in (ingesting, embedding):
        job.status = JobStatus.SUCCEEDED
        assert (job.percent, job.is_active) == (100, False)


@pytest.mark.django_db
def test_a_lease_holds_the_job_until_it_lapses():
    now = timezone.now()
    held = IngestionJob.objects.create(kind=JobKind.TODAY, lease_expires=lease_until(60, now))
    over = IngestionJob.objects.create(kind=JobKind.TODAY, lease_expires=now - timedelta(1))
    never = IngestionJob.objects.create(kind=JobKind.TODAY)
    assert held.lease_expires == now + timedelta(seconds=60)
    assert set(IngestionJob.objects.filter(lapsed(now))) == {over, never}
