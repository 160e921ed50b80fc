"""Ingest benchmark: a corpus into a fresh database through `ingest_arxiv`'s job runner.

    python -m bench.ingest [CORPUS] [--data-dir DIR] [--database-url URL] [--batch-size N]

Prints papers/second and the peak RSS of the process. The search index is not built here.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import DEFAULT_CORPUS
from bench.results import peak_rss_mb, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--data-dir", default="", help="default: a new temporary directory")
    parser.add_argument(
        "--database-url", default="", help="emptied first; default: the data dir's SQLite file"
    )
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.exists():
        sys.exit(f"bench.ingest: {corpus}: no such file (pass the corpus path)")

    workdir = args.data_dir or tempfile.mkdtemp(prefix="coolpapers-bench-")
    os.environ["COOLPAPERS_DATA_DIR"] = str(Path(workdir).resolve())
    os.environ.pop("REDIS_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from coolpapers.ingestion.jobs import run_job
    from coolpapers.ingestion.models import IngestionJob, JobKind

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # a fresh start, even when reused
    rss_before = peak_rss_mb()
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(corpus)})
    started = time.perf_counter()
    last = [started]
    early: list[float] = []  # peak RSS once a tenth is in: a flat profile keeps it at the end

    def progress(j: IngestionJob) -> None:
        if not early and (j.percent or 0) >= 10:
            early.append(peak_rss_mb())
        now = time.perf_counter()
        if now - last[0] > 5:
            last[0] = now
            print(
                f"  {j.processed_count} papers, {j.percent}%, {peak_rss_mb():.0f} MB peak RSS",
                flush=True,
            )

    job = run_job(job.pk, batch_size=args.batch_size, on_progress=progress)
    elapsed = time.perf_counter() - started
    total = job.processed_count
    print(f"corpus            {corpus}")
    print(f"database          {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"status            {job.status} {job.error}")
    print(f"papers            {total} (created {job.created_count}, rejected {job.rejected_count})")
    print(f"time              {elapsed:.1f} s")
    print(f"throughput        {total / elapsed:.0f} papers/s")
    print(f"peak RSS          {peak_rss_mb():.0f} MB (after setup: {rss_before:.0f} MB)")
    if job.status != "succeeded":
        sys.exit(f"bench.ingest: the job {job.status}: {job.error}")
    record("ingest.papers", total, "papers", f"into {connection.vendor}")
    record("ingest.seconds", elapsed, "s")
    record("ingest.rate", total / elapsed, "papers/s")
    if early:
        print(f"peak RSS at 10%   {early[0]:.0f} MB")
        record("ingest.rss_at_10pct", early[0], "MB")
    record("ingest.rss_end", peak_rss_mb(), "MB")


if __name__ == "__main__":
    main()
