"""Search benchmark: index build, incremental indexing, known-item quality and API latency.

    python -m bench.search --data-dir DIR [--corpus PATH] [--phase all|build|latency]

DIR is a COOLPAPERS_DATA_DIR; an empty one is filled from the corpus first (ingest, then the
index); SEARCH_BACKEND picks the engine. `build` rebuilds the index and indexes a day's 2,000
papers again; `latency` uses the index as it is: known-item quality, then /api/search through
Django's test client (server time, searcher kept open, result cache cleared before every
request), and the process's memory afterwards, which is what a web worker holds.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

from bench import DEFAULT_CORPUS, QUERIES
from bench.results import current_rss_mb, peak_rss_mb, record

STOP = {
    *[
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "to",
        "was",
    ],
    *[
        "were",
        "will",
        "with",
        "we",
        "our",
        "via",
        "using",
        "towards",
        "toward",
        "based",
        "new",
        "into",
        "over",
        "under",
    ],
    *["between", "through", "how", "what", "when", "why", "can", "do", "does", "not", "no"],
}


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * len(values)) - 1)]


def percentiles(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):6.1f} ms   p95 {p95(values):6.1f} ms   "
        f"max {max(values):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--phase", choices=["all", "build", "latency"], default="all")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ["COOLPAPERS_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    os.environ["SEARCH_AUTO_INDEX"] = "off"
    os.environ.pop("REDIS_URL", None)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.conf import settings

    # Served from the finders: this benchmark does not run collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    from coolpapers.papers.models import Paper
    from search.backends import get_backend
    from search.documents import iter_all_documents
    from search.indexing import index_papers

    call_command("migrate", verbosity=0)
    if not Paper.objects.exists():
        if not Path(args.corpus).exists():
            sys.exit(f"bench.search: {args.corpus}: no such corpus")
        print(f"loading {args.corpus} ...", flush=True)
        call_command("ingest_arxiv", args.corpus, verbosity=0)
    total = Paper.objects.count()
    backend = get_backend()
    print(f"papers: {total}, backend: {backend.name}")

    if args.phase in ("all", "build") or not backend.document_count():
        started = time.perf_counter()
        backend.rebuild(iter_all_documents())
        elapsed = time.perf_counter() - started
        print(f"index build: {elapsed:.1f} s (peak RSS {peak_rss_mb():.0f} MB)")
        record("search.build_s", elapsed, "s", f"{total:,} papers")
        day_ids = list(
            Paper.objects.order_by("-announced", "pk").values_list("pk", flat=True)[:2000]
        )
        started = time.perf_counter()
        index_papers(day_ids)
        elapsed = time.perf_counter() - started
        print(f"incremental indexing of {len(day_ids)} papers: {elapsed:.1f} s")
        record("search.incremental_s", elapsed, "s")
    if args.phase == "build":
        return
    latency(backend)  # first, so the memory it reports is a web worker's
    quality(backend, random.Random(args.seed))


def quality(backend, rng: random.Random) -> None:
    """Known-item search: can a reader find a paper again from a few of its title words?"""
    from django.core.cache import cache

    from coolpapers.papers.models import Paper
    from search.backends.base import SearchRequest
    from search.query import QueryError, parse_query

    all_ids = list(Paper.objects.values_list("pk", flat=True))
    sample = Paper.objects.in_bulk(rng.sample(all_ids, min(200, len(all_ids))))

    @functools.cache
    def doc_freq(word: str) -> int:
        """Papers with the word in title or abstract, as the backend analyses it."""
        try:
            query = parse_query(f"title:{word} OR abstract:{word}")
            return backend.count(SearchRequest(query))
        except QueryError:  # a stopword
            return 10**9

    def rank_of(pk: str, text: str, depth: int) -> int | None:
        cache.clear()
        hits = backend.search(SearchRequest(parse_query(text)))[:depth]
        ranks = [h.arxiv_id for h in hits]
        return ranks.index(pk) + 1 if pk in ranks else None

    title_hits = author_hits = author_total = 0
    for pk, paper in sample.items():
        words = [
            w for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", paper.title) if w.lower() not in STOP
        ]
        words = sorted(set(words), key=doc_freq)[: rng.randint(3, 5)]
        if words and (rank_of(pk, " ".join(words), 3) is not None):
            title_hits += 1
        if paper.authors:
            author_total += 1
            last = re.findall(r"[\w-]+", paper.authors[0])[-1]
            topic = words[0] if words else ""
            if rank_of(pk, f'author:"{last}" {topic}', 10) is not None:
                author_hits += 1
    n = len(sample)
    print(f"known-item, 3-5 distinctive title words, top 3: {title_hits / n:.1%} of {n}")
    record("search.known_item_top3", title_hits / n, "share")
    if author_total:
        print(f"known-item, author: + topic word, top 10: {author_hits / author_total:.1%}")
        record("search.author_top10", author_hits / author_total, "share")


def latency(backend) -> None:
    """/api/search timings through Django's test client, result cache cleared per request."""
    from django.core.cache import cache
    from django.test import Client

    # --- latency through the API -----------------------------------------------------------
    bench_queries = [q.strip() for q in QUERIES.read_text().splitlines() if q.strip()]
    own = [
        "title:transformer cat:cs.CL",
        '"large language model" -survey',
        "author:hinton",
        "diffusion OR flow matching",
        "graph neural network cat:cs.LG",
        "reinforcement learning robot",
        "black hole merger",
        "quantum",
        "benchmark",
        "language model agents tool use",
        "cat:astro-ph.* galaxy",
        "vision transformer announced:2026-01..2026-06",
        "speech recognition",
        "federated",
        "retrieval",
        "neural operator pde",
        "lidar segmentation",
        "uncertainty quantification",
        "explainable ai",
        "contrastive",
    ]
    client = Client()
    client.get("/api/search", {"q": "warm up"})

    def measure(queries: list[str], **params: str) -> list[float]:
        times = []
        for q in queries:
            cache.clear()
            started = time.perf_counter()
            response = client.get("/api/search", {"q": q, **params})
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(
                    f"/api/search?q={q!r}: HTTP {response.status_code} {response.content[:200]!r}"
                )
        return times

    first = measure(bench_queries)
    print(f"/api/search, 30 BRIEF queries, first pass (postings loaded): {percentiles(first)}")
    warm = measure(bench_queries)
    print(f"/api/search, 30 BRIEF queries, searcher warm:                 {percentiles(warm)}")
    print(
        f"/api/search, our 20 queries (fields, filters), first pass:    {percentiles(measure(own))}"
    )
    by_date = measure(bench_queries + own, sort="announced")
    print(f"/api/search, all 50, sorted by date:                           {percentiles(by_date)}")
    mixed = measure(bench_queries + own)
    print(f"/api/search, all 50 queries, steady state:                     {percentiles(mixed)}")

    # Where the time goes, for the 30 queries (steady state).
    from search.service import SearchParams, build_request, search, with_highlights

    phases = {"parse": [], "count+rank": [], "papers+highlight": [], "total": []}
    for q in bench_queries:
        cache.clear()
        t0 = time.perf_counter()
        request = build_request(SearchParams(q=q))
        t1 = time.perf_counter()
        results = search(request)
        hits = results[:25]
        t2 = time.perf_counter()
        with_highlights(request, hits)
        t3 = time.perf_counter()
        phases["parse"].append((t1 - t0) * 1000)
        phases["count+rank"].append((t2 - t1) * 1000)
        phases["papers+highlight"].append((t3 - t2) * 1000)
        phases["total"].append((t3 - t0) * 1000)
    for name, values in phases.items():
        print(f"  {name:18} {percentiles(values)}")
    print(f"RSS now: {current_rss_mb():.0f} MB, peak RSS: {peak_rss_mb():.0f} MB")
    record("search.brief_p50_ms", statistics.median(warm), "ms")
    record("search.brief_p95_ms", p95(warm), "ms")
    record("search.all_p50_ms", statistics.median(mixed), "ms")
    record("search.all_p95_ms", p95(mixed), "ms")
    record("search.all_max_ms", max(mixed), "ms")
    record("search.first_p95_ms", p95(first), "ms")
    record("search.count_rank_p50_ms", statistics.median(phases["count+rank"]), "ms")
    record("search.web_rss_mb", current_rss_mb(), "MB")


if __name__ == "__main__":
    main()
