"""Hostile-query benchmark: the worst request time over queries built to be expensive.

    python -m bench.hostile --data-dir DIR [--corpus PATH] [--backend whoosh|tantivy]

DIR is a COOLPAPERS_DATA_DIR, filled from the corpus first if empty (ingest, then the index),
as bench.search does. Every query goes through the real search page (/arxiv/search, which
adds highlights and spelling suggestions) and /api/search with Django's test client, result
and page cache cleared before every request. Prints p50, p95 and the worst time per kind of
query and over all, with the status codes seen: a query stopped by SEARCH_TIME_BUDGET
answers 503, an unusable one 400, and no request may answer 500.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from bench import DEFAULT_CORPUS
from bench.results import record
from bench.search import p95

COMMON = [
    *("model", "learning", "data", "network", "method", "results", "based", "performance"),
    *("approach", "deep", "neural", "training", "models", "paper", "propose", "show"),
    *("framework", "using", "analysis", "large", "language", "system"),
]


def hostile_queries(rng: random.Random) -> dict[str, list[dict[str, str]]]:
    """Query parameters by kind; each kind aims at one way a search could cost too much."""

    def letters(n: int) -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))

    def fill(words: list[str], sep: str = " ", limit: int = 500) -> str:
        out = ""
        for word in words:
            if len(out) + len(sep) + len(word) > limit:
                break
            out = f"{out}{sep}{word}" if out else word
        return out

    common = [rng.choice(COMMON) for _ in range(200)]
    junk = "".join(chr(c) for c in (0x202E, 0x200B, 0x0301, 0xFFFD, 0x1F600, 0x0627, 0x4E2D))
    return {
        "one 499-letter word": [
            {"q": "x" * 499},
            {"q": letters(499)},
            {"q": "splatting" * 55},
        ],
        "many long words": [
            {"q": fill([letters(30) for _ in range(20)])},
            {"q": fill([letters(rng.randint(12, 40)) for _ in range(40)])},
            {"q": fill(["gausian" + letters(8) for _ in range(40)])},
        ],
        "500 chars of common words": [
            {"q": fill(common)},
            {"q": fill(COMMON * 10)},
            {"q": fill(common), "sort": "announced"},
        ],
        "deep parentheses": [
            {"q": "(" * 32 + "learning" + ")" * 32},
            {"q": "(" * 20 + " OR ".join(COMMON[:8]) + ")" * 20},
            {"q": "(" * 33 + "model" + ")" * 33},
        ],
        "many OR terms": [
            {"q": fill(common, " OR ")},
            {"q": fill([letters(6) for _ in range(100)], " OR ")},
            {"q": fill([f"{w}*" for w in COMMON * 4], " OR ")},
        ],
        "phrase of common words": [
            {"q": '"' + " ".join(COMMON[:12]) + '"'},
            {"q": '"' + fill(common, limit=490) + '"'},
            {"q": " ".join(f'"{a} {b}"' for a, b in zip(COMMON[::2], COMMON[1::2], strict=False))},
        ],
        "wildcards": [
            {"q": fill([f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz"], " OR ")},
            {"q": fill([f"{c}{d}*" for c in "aeiou" for d in "bcdfglmnprst"], " OR ")},
            {"q": "*?[]{}~^\\/:!" * 20},
            {"q": "title:a* abstract:b* author:c* cat:* id:2* doi:1*"},
        ],
        "unicode junk": [
            {"q": junk * 50},
            {"q": fill(["é" * 30, "ß" * 30, "ﬁ" * 30, "Ⅻ" * 30] * 5)},
            {"q": "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(500))},
            {"q": "\U0001f600" * 250},
        ],
        "huge page numbers": [
            {"q": "learning", "page": "400"},
            {"q": "learning", "page": "10000"},
            {"q": "learning", "page": "99999999999999999999"},
            {"q": "learning", "page": "-1"},
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--backend", choices=["whoosh", "tantivy"], default="")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ["COOLPAPERS_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    if args.backend:
        os.environ["SEARCH_BACKEND"] = args.backend
    os.environ["SEARCH_AUTO_INDEX"] = "off"
    os.environ.pop("REDIS_URL", None)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    # One client sends every query: the per-client limits are not what is measured here.
    os.environ["SEARCH_RATE"] = os.environ["API_RATE_ANON"] = "1000000/min"
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

    call_command("migrate", verbosity=0)
    if not Paper.objects.exists():
        if not Path(args.corpus).exists():
            sys.exit(f"bench.hostile: {args.corpus}: no such corpus")
        print(f"loading {args.corpus} ...", flush=True)
        call_command("ingest_arxiv", args.corpus, verbosity=0)
    backend = get_backend()
    if not backend.document_count():
        print("building the index ...", flush=True)
        backend.rebuild(iter_all_documents())
    papers = Paper.objects.count()
    print(
        f"papers: {papers}, backend: {backend.name}, "
        f"SEARCH_TIME_BUDGET: {settings.SEARCH_TIME_BUDGET:g} s"
    )
    run(random.Random(args.seed), backend.name)


def run(rng: random.Random, backend: str) -> float:
    """Every hostile query through both paths; returns the worst time in seconds."""
    from django.core.cache import cache
    from django.test import Client

    logging.getLogger("django.request").setLevel(logging.ERROR)  # 400s and 503s are expected
    client = Client()
    # Open the searcher and build the speller (an unknown word asks for a suggestion).
    for path in ("/arxiv/search", "/api/search"):
        client.get(path, {"q": "warm up qzxqzxqzx"})
    worst: tuple[float, str, str] = (0.0, "", "")
    statuses: Counter[int] = Counter()
    print(f"{'kind':28} {'path':14} {'n':>3} {'p50':>9} {'p95':>9} {'worst':>9}  statuses")
    for kind, queries in hostile_queries(rng).items():
        for path in ("/arxiv/search", "/api/search"):
            times, seen = [], Counter()
            for params in queries:
                cache.clear()
                started = time.perf_counter()
                response = client.get(path, params)
                elapsed = time.perf_counter() - started
                times.append(elapsed)
                seen[response.status_code] += 1
                if elapsed > worst[0]:
                    worst = (elapsed, path, repr(params)[:120])
            statuses.update(seen)
            codes = " ".join(f"{code}:{n}" for code, n in sorted(seen.items()))
            print(
                f"{kind:28} {path:14} {len(times):3} {statistics.median(times) * 1000:7.1f} ms"
                f" {p95(times) * 1000:7.1f} ms {max(times) * 1000:7.1f} ms  {codes}"
            )
    total = sum(statuses.values())
    print(f"worst request: {worst[0] * 1000:.0f} ms ({worst[1]} {worst[2]})")
    print(f"requests: {total}, statuses: {dict(sorted(statuses.items()))}")
    record(f"hostile.{backend}.worst_ms", worst[0] * 1000, "ms", worst[2])
    record(f"hostile.{backend}.errors_500", statuses.get(500, 0), "requests")
    if statuses.get(500):
        sys.exit("bench.hostile: some requests answered 500")
    return worst[0]


if __name__ == "__main__":
    main()
