"""Browsing benchmark: server time of daily-list pages, lazy chunks and paper pages.

    python -m bench.browse --data-dir DIR [--corpus CORPUS] [--rounds N] [--papers N]

Uses the database in DIR (COOLPAPERS_DATA_DIR), migrating it and loading CORPUS first when it
holds no paper. Requests go through Django's test Client in this process: URL resolution,
view, ORM queries and template rendering, without network or WSGI server. Prints p50/p95/max
per kind of page (wall clock, and CPU time of this thread, which other processes on the
machine do not inflate) and the SQL queries per page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

from bench import DEFAULT_CORPUS
from bench.results import record

# Busy and quiet categories, unions and exclusions.
SPECS = [
    "cs.AI",
    "cs.CV",
    "cs.CL",
    "cs.LG",
    "cs.RO",
    "cs.CR",
    "eess.IV",
    "astro-ph.GA",
    "astro-ph.CO",
    "hep-th",
    "quant-ph",
    "math.CA",
    "cs.AI,cs.CL",
    "cs.AI+cs.LG-cs.CY",
    "cs.CV+eess.IV-cs.AI",
    "astro-ph.GA,astro-ph.CO,astro-ph.HE",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(name: str, wall: list[float], cpu: list[float], queries: set[int]) -> None:
    wall_ms, cpu_ms = [t * 1000 for t in wall], [t * 1000 for t in cpu]
    key = name.split(" (")[0].replace(" ", "_")
    note = f"{len(wall_ms)} requests, {'/'.join(str(q) for q in sorted(queries))} SQL queries"
    record(f"browse.{key}_p50_ms", statistics.median(wall_ms), "ms", note)
    record(f"browse.{key}_p95_ms", percentile(wall_ms, 0.95), "ms", note)
    print(
        f"{name:<22} n={len(wall_ms):>5}  wall p50 {statistics.median(wall_ms):5.1f} "
        f"p95 {percentile(wall_ms, 0.95):5.1f} max {max(wall_ms):6.1f} ms | "
        f"cpu p50 {statistics.median(cpu_ms):5.1f} p95 {percentile(cpu_ms, 0.95):5.1f} ms | "
        f"queries {'/'.join(str(q) for q in sorted(queries))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="COOLPAPERS_DATA_DIR to use")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="loaded when DB is empty")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the URLs")
    parser.add_argument("--papers", type=int, default=300, help="paper pages per round")
    args = parser.parse_args()

    os.environ["COOLPAPERS_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    os.environ["PAGE_CACHE_SECONDS"] = "0"  # every page rendered: a cache miss's cost
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from coolpapers.browse.listing import PAGE_SIZE, day_counts
    from coolpapers.papers.category_spec import parse_spec
    from coolpapers.papers.daily import DayFinder
    from coolpapers.papers.models import Paper

    call_command("migrate", verbosity=0)
    if not Paper.objects.exists():
        if not Path(args.corpus).exists():
            sys.exit(f"bench.browse: {args.corpus}: no such file (pass --corpus)")
        print(f"loading {args.corpus} ...", flush=True)
        call_command("ingest_arxiv", args.corpus, verbosity=0)
    print(f"{Paper.objects.count()} papers in {connection.vendor}", flush=True)

    rng = random.Random(42)
    lists, chunks = [], []
    for text in SPECS:
        spec = parse_spec(text)
        finder = DayFinder(spec)
        latest = finder.latest()
        if latest is None:
            continue
        lists.append(f"/arxiv/{spec}")
        day = latest
        for _ in range(3):  # the latest day and a few earlier ones, by explicit date
            day = finder.before(day) or day
        lists.append(f"/arxiv/{spec}?date={day.isoformat()}")
        for listed_day in (latest, day):
            pages = day_counts(spec, listed_day).pages
            chunks += [
                f"/arxiv/{spec}/chunk?date={listed_day.isoformat()}&page={page}"
                for page in range(2, pages + 1)
            ]
        lists.append(f"/arxiv/{spec}?date={latest.isoformat()}&sort=stars")
    chunks = rng.sample(chunks, min(len(chunks), 200))
    ids = list(Paper.objects.values_list("pk", flat=True))
    papers = [f"/arxiv/{arxiv_id}" for arxiv_id in rng.sample(ids, min(len(ids), args.papers))]
    kinds = {"list page (25 papers)": lists, f"chunk ({PAGE_SIZE} papers)": chunks}
    kinds["paper page"] = papers
    kinds["home"] = ["/"]

    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client(SERVER_NAME="localhost")
    with override_settings(STORAGES=plain_static):
        queries: dict[str, set[int]] = {name: set() for name in kinds}
        for name, urls in kinds.items():  # warm-up, status check and query counts
            for url in list(urls):
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                if response.status_code == 404:  # a small corpus has empty lists: not timed
                    print(f"  skipped {url}: 404")
                    urls.remove(url)
                    continue
                if response.status_code != 200:
                    sys.exit(f"bench.browse: {url} answered {response.status_code}")
                queries[name].add(len(captured))
        wall: dict[str, list[float]] = {name: [] for name in kinds}
        cpu: dict[str, list[float]] = {name: [] for name in kinds}
        for _ in range(args.rounds):
            for name, urls in kinds.items():
                for url in urls:
                    started, started_cpu = time.perf_counter(), time.thread_time()
                    client.get(url)
                    cpu[name].append(time.thread_time() - started_cpu)
                    wall[name].append(time.perf_counter() - started)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name in kinds:
        if wall[name]:
            report(name, wall[name], cpu[name], queries[name])


if __name__ == "__main__":
    main()
