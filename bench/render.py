"""Rendering benchmark: server time to turn titles and abstracts (TeX) into HTML.

    python -m bench.render [--corpus CORPUS] [--limit N]

Over every record of the corpus, in this process, for titles and abstracts separately:

- cold: `render_html`, the full renderer, no cache;
- warm: `render_cached` for a text whose HTML is already in Django's cache (what every page
  view after the first one does); the cache is the settings' default cache (local memory in
  the embedded setup, Redis when REDIS_URL is set).

Prints p50/p95/max in microseconds and how many texts hold formulas. Also checks on the whole
corpus that rendering never raises and that every formula comes out unchanged.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

from bench import DEFAULT_CORPUS

MATH_SPAN = re.compile(r'<span class="math[^"]*" translate="no">(.*?)</span>', re.DOTALL)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(name: str, seconds: list[float]) -> None:
    micros = [t * 1e6 for t in seconds]
    print(
        f"{name:<16} n={len(micros):>6}  p50 {statistics.median(micros):7.1f}  "
        f"p95 {percentile(micros, 0.95):7.1f}  max {max(micros):8.1f} µs"
    )


def records(path: Path, limit: int | None) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        out = []
        for line in lines:
            out.append(json.loads(line))
            if limit and len(out) >= limit:
                break
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N records")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache

    from coolpapers.rendering.tex import find_formulas, math_delimited, render_cached, render_html

    rows = records(args.corpus, args.limit)
    backend = settings.CACHES["default"]["BACKEND"]
    print(f"{len(rows)} records from {args.corpus.name}; cache {backend}")
    for field in ("title", "abstract"):
        texts = [row.get(field) or "" for row in rows]
        cold, warm, with_math = [], [], 0
        for text in texts:
            started = time.perf_counter()
            out = render_html(text)
            cold.append(time.perf_counter() - started)
            formulas = find_formulas(text)
            with_math += bool(formulas)
            shown = [html.unescape(m) for m in MATH_SPAN.findall(out)]
            expected = [math_delimited(f.tex, f.display, f.environment) for f in formulas]
            if shown != expected:
                sys.exit(f"a formula changed in {text[:80]!r}")
            render_cached(text)  # fills the cache
            started = time.perf_counter()
            render_cached(text)
            warm.append(time.perf_counter() - started)
        cache.clear()
        print(f"{field}: {with_math} of {len(texts)} hold formulas")
        report(f"{field} cold", cold)
        report(f"{field} warm", warm)


if __name__ == "__main__":
    main()
