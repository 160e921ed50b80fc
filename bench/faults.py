"""Fault benchmark: kill -9 of each worker kind and of Redis during a 20k-paper ingest.

    python -m bench.faults [CORPUS] [--records 20000] [--database-url URL]

Runs docker-compose.yml's own worker, compute-worker, index-worker and beat commands (the
Stack of tests/deploy, no Docker) on PostgreSQL and a private redis-server, ingests the first
`--records` records of CORPUS as one admin-style job, and SIGKILLs the ingestion worker, the
index worker, the compute worker and Redis at 20/40/60/80 % of it; each comes back after a
few seconds, as compose's `restart: unless-stopped` does. Nobody touches the job. Then it
compares the store with the records (every id present, none twice, the job's counts) and the
index with the store (`check_index`), and prints the figures. The database (default
postgres://postgres@127.0.0.1:5432/coolpapers_faults) is dropped and created again.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench import DEFAULT_CORPUS

FAULTS = ("worker", "index-worker", "compute-worker", "redis")


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def first_records(corpus: Path, count: int, out: Path) -> list[str]:
    """The first `count` records of the corpus into `out`; returns their ids."""
    ids = []
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt") as source, out.open("w") as sink:
        for line in source:
            if len(ids) == count:
                break
            ids.append(json.loads(line)["id"])
            sink.write(line)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/coolpapers_faults"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the job")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="coolpapers-faults-"))
    data = work / "data"
    records = work / "records.jsonl"
    ids = first_records(Path(args.corpus), args.records, records)
    recreate_database(args.database_url)

    from tests.deploy.stack import RedisServer, Stack, wait_for

    redis = RedisServer(work / "redis")
    redis.start()
    os.environ.update(
        DATABASE_URL=args.database_url, REDIS_URL=redis.url, COOLPAPERS_DATA_DIR=str(data)
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from coolpapers.ingestion.control import start_job
    from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
    from coolpapers.papers.models import Paper
    from search.backends import get_backend
    from search.backends.base import IndexUnavailable
    from search.indexing import compare_index

    call_command("migrate", verbosity=0)
    stack = Stack(
        data,
        args.database_url,
        redis.url,
        INGEST_BATCH_SIZE="500",
        INGEST_JOB_LEASE="20",
        CELERY_VISIBILITY_TIMEOUT="60",
        JOB_RESEND_INTERVAL="5",
        INDEX_REPAIR_INTERVAL="20",
        RELATED_REPAIR_INTERVAL="60",
    )
    stack.start("worker", "compute-worker", "index-worker", "beat")
    started = time.monotonic()
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(records)})
    start_job(job)

    def processed() -> int:
        job.refresh_from_db()
        return job.processed_count

    def index_matches() -> bool:
        get_backend.cache_clear()
        try:
            return compare_index().total == 0
        except IndexUnavailable:
            return False

    try:
        for step, fault in enumerate(FAULTS, start=1):
            at = args.records * step // (len(FAULTS) + 1)
            wait_for(lambda at=at: processed() >= at, args.timeout, f"{at} records")
            print(f"{time.monotonic() - started:7.1f} s  {processed():6d} records: kill -9 {fault}")
            if fault == "redis":
                os.killpg(redis.process.pid, signal.SIGKILL)
                redis.process.wait()
                time.sleep(3)
                redis.start()
            else:
                stack.kill(fault)
                time.sleep(3)
                stack.start(fault)
        wait_for(
            lambda: processed() and job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
            args.timeout,
            lambda: f"the job to finish ({job.status}); {stack.log('worker')}",
        )
        ingested = time.monotonic() - started
        wait_for(index_matches, args.timeout, lambda: f"the index; {stack.log('index-worker')}")
        indexed = time.monotonic() - started
    finally:
        stack.stop()
        redis.stop()

    job.refresh_from_db()
    stored = set(Paper.objects.values_list("pk", flat=True))
    expected = set(ids)
    rejected = set(re.findall(r"^rejected (\S+):", job.log, re.MULTILINE))
    lost = len(expected - stored - rejected)
    counted = job.created_count + job.updated_count + job.unchanged_count + job.rejected_count
    duplicated = counted - len(ids) + (job.created_count - len(stored))
    documents = get_backend().document_count()
    print(f"job #{job.pk}: {job.status}, {ingested:.0f} s to ingest, {indexed:.0f} s to index")
    print(
        f"records {len(ids)} (distinct ids {len(expected)}); papers {len(stored)}; "
        f"created {job.created_count}, updated {job.updated_count}, "
        f"unchanged {job.unchanged_count}, rejected {job.rejected_count}"
    )
    if rejected:
        print("rejected (the record's own fault, logged with the job): " + job.log.strip())
    print(f"lost {lost}, duplicated {duplicated}, index documents {documents}, check_index:")
    call_command("check_index")
    print(f"restarts by the supervisor: {stack.restarts or 'none'}; manual steps: 0")
    ok = job.status == JobStatus.SUCCEEDED and not lost and not duplicated
    sys.exit(0 if ok and documents == len(stored) else 1)


if __name__ == "__main__":
    main()
