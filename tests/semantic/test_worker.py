"""An embedding job on a real Celery worker (Redis broker, the real model in the worker): it
plans, embeds its chunk, succeeds, and the related lists it queues come out of the hybrid."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command

from coolpapers.jobs.status import JobStatus
from coolpapers.papers.models import Paper
from coolpapers.related.models import PaperKeywords, RelatedPaper
from coolpapers.semantic import jobs, store
from coolpapers.semantic.models import EmbeddingJob
from coolpapers.semantic.tasks import plan_embedding_job
from tests.conftest import SAMPLE, stop_process_group
from tests.semantic.conftest import SPLATTING
from tests.workers import producer, start_worker, wait_for

pytestmark = [
    pytest.mark.semantic,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def test_an_embedding_job_runs_on_a_real_worker_and_relists_every_paper(tmp_path, settings):
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    count = Paper.objects.count()
    data = tmp_path / "data"
    data.mkdir()
    settings.RELATED_MODEL_DIR = str(data / "related")
    broker = REDIS_URL.rsplit("/", 1)[0] + "/9"  # a database no other test's worker reads
    with producer(broker) as sender:
        sender.channel.client.flushdb()
    log = tmp_path / "worker.log"
    env = {"COOLPAPERS_DATA_DIR": str(data), "REDIS_URL": broker, "SEMANTIC": "auto"}
    job = EmbeddingJob.objects.create()
    worker = start_worker(log, env=env)
    try:
        with producer(broker) as sender:
            jobs.start(
                job,
                lambda job_id, run: plan_embedding_job.apply_async(
                    args=[job_id, run], producer=sender
                ),
            )

        def finished() -> bool:
            job.refresh_from_db()
            return job.status not in (JobStatus.QUEUED, JobStatus.RUNNING)

        wait_for(finished, "the embedding job", log, 300)
        assert job.status == JobStatus.SUCCEEDED, job.error
        wait_for(
            lambda: PaperKeywords.objects.filter(signals="bm25+embedding").count() == count,
            "every related list, recomputed with the embeddings",
            log,
            300,
        )
    finally:
        stop_process_group(worker)
    assert (job.total, job.done_count, job.chunks_done, job.chunks_total) == (count, count, 1, 1)
    assert job.percent == 100 and job.model == "all-MiniLM-L6-v2" and job.run == 1
    assert store.stale_ids() == []
    assert RelatedPaper.objects.get(paper_id=SPLATTING[0], rank=1).related_id == SPLATTING[1]
