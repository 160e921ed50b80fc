"""`manage.py embed_papers`: the backfill job run in the command (or queued for the workers),
shown in the admin either way."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from coolpapers.jobs.status import JobStatus
from coolpapers.semantic import store, tasks
from coolpapers.semantic.models import EmbeddingJob, PaperEmbedding

pytestmark = [pytest.mark.semantic, pytest.mark.django_db]


# In autocommit, as from a shell: the command reads the run jobs.start commits at once.
@pytest.mark.django_db(transaction=True)
def test_the_command_embeds_the_stale_papers_as_a_job(embedded, relisted, capsys):
    PaperEmbedding.objects.filter(pk__in=embedded[:4]).delete()
    call_command("embed_papers", verbosity=0)
    job = EmbeddingJob.objects.get()
    assert (job.status, job.done_count, job.total, job.run) == (JobStatus.SUCCEEDED, 4, 4, 1)
    assert store.stale_ids() == []
    assert relisted == [embedded]
    assert f"Job #{job.pk}: embedded 4 papers" in capsys.readouterr().out


def test_queue_hands_the_job_to_the_workers(
    sample, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks.plan_embedding_job, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("embed_papers", "--queue", verbosity=0)
    job = EmbeddingJob.objects.get()
    assert sent == [(job.pk, 1)] and job.status == JobStatus.QUEUED
    assert not PaperEmbedding.objects.exists()


def test_the_command_refuses_when_semantic_is_off(sample, settings):
    settings.SEMANTIC = "off"
    with pytest.raises(CommandError, match=r"BM25 only \(SEMANTIC=off\): nothing to embed"):
        call_command("embed_papers", verbosity=0)
    assert not EmbeddingJob.objects.exists()
