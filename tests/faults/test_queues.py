"""Queues by kind (issue 20, finding 8): after a bulk import the one queue held hundreds of
related-list chunks ahead of two ingestion jobs, which waited an hour. Now the chunks wait in
the "related" queue for the compute worker, and the ingestion worker takes the job at once.
"""

from __future__ import annotations

import pytest
import redis as redis_client
from kombu import Connection

from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from coolpapers.ingestion.tasks import run_ingestion_job
from coolpapers.related.tasks import compute_related_chunk_task
from tests.conftest import SAMPLE, database_url
from tests.deploy.stack import RedisServer, Stack, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CHUNKS = 40


def test_an_ingestion_job_is_taken_while_related_chunks_are_queued(tmp_path):
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    stack = Stack(
        tmp_path / "data", database_url(), redis.url, SEARCH_AUTO_INDEX="off", RELATED_AUTO="off"
    )
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(SAMPLE)})
    queue = redis_client.Redis.from_url(redis.url)
    try:
        # Sent as a bulk import leaves them: the chunks first, then the job.
        with Connection(redis.url) as conn, conn.Producer() as producer:
            for number in range(CHUNKS):
                compute_related_chunk_task.apply_async(
                    args=[[f"2401.{number:05d}"]], producer=producer
                )
            run_ingestion_job.apply_async(args=[job.pk], producer=producer)
        assert queue.llen("related") == CHUNKS
        stack.start("worker")

        def done() -> bool:
            job.refresh_from_db()
            return job.status == JobStatus.SUCCEEDED

        wait_for(done, 90, lambda: f"the job; {stack.log('worker')}")
        assert queue.llen("related") == CHUNKS  # untouched by the ingestion worker

        stack.start("compute-worker")
        wait_for(lambda: queue.llen("related") == 0, 90, lambda: stack.log("compute-worker"))
    finally:
        stack.stop()
        redis.stop()
