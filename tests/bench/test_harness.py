"""The `python -m bench` harness: every step run for real on a small real corpus, one table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import ratios, show, table, write_section

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests/fixtures/arxiv/corpus/daily_arxiv_sample.jsonl.gz"


def result(step: str, figures: list[tuple[str, float, str]], exit: int = 0) -> dict:
    return {
        "step": step,
        "exit": exit,
        "seconds": 1.0,
        "peak_rss_mb": 100.0,
        "load": 0.5,
        "figures": [{"name": n, "value": v, "unit": u, "note": ""} for n, v, u in figures],
    }


def test_values_are_shown_in_their_units():
    assert show(3461.2, "papers/s") == "3,461 papers/s"
    assert show(8.04, "ms") == "8.0 ms"
    assert show(182.9, "s") == "183 s (3.0 min)"
    assert show(0.5784, "share") == "0.578"
    assert show(1024.4, "MB") == "1,024 MB"


def test_a_failed_step_is_marked_and_ratios_use_the_same_run():
    results = [
        result("search:tantivy", [("search.brief_p50_ms", 8.0, "ms")]),
        result("baselines", [("baseline.tantivy.p50_ms", 0.5, "ms")]),
        result("browse", [], exit=1),
    ]
    rows = table(results)
    assert any("| browse | **failed** (exit 1)" in row for row in rows)
    assert any("/api/search p50, 30 BRIEF queries | 8.0 ms | 100 MB | 0.5 |" in r for r in rows)
    assert "| /api/search p50 (tantivy) ÷ raw tantivy p50 | 16.00x |" in ratios(results)


def test_a_rerun_replaces_its_own_section_only(tmp_path):
    output = tmp_path / "BENCHMARKS.md"
    write_section(output, "a", "<!-- bench:a -->\nfirst\n<!-- /bench:a -->")
    write_section(output, "b", "<!-- bench:b -->\nother\n<!-- /bench:b -->")
    write_section(output, "a", "<!-- bench:a -->\nsecond\n<!-- /bench:a -->")
    text = output.read_text()
    assert text.startswith("# Benchmarks")
    assert "second" in text and "other" in text and "first" not in text
    assert text.index("second") < text.index("other")


@pytest.mark.timeout(600)
def test_the_harness_runs_every_step_and_writes_one_table(tmp_path):
    pytest.importorskip("tantivy")
    data, output = tmp_path / "data", tmp_path / "BENCHMARKS.md"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    args = ["--corpus", str(SAMPLE), "--data-dir", str(data), "--output", str(output)]
    run = subprocess.run(
        [sys.executable, "-m", "bench", *args, "--label", "fixture"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    steps = {p.stem: json.loads(p.read_text()) for p in (data / "results").glob("*.json")}
    assert set(steps) == {
        "ingest",
        "index-tantivy",
        "search-tantivy",
        "index-whoosh",
        "search-whoosh",
        "baselines",
        "related",
        "browse",
    }
    for step in steps.values():
        assert step["exit"] == 0 and step["peak_rss_mb"] > 20 and step["figures"], step
    figures = {f["name"]: f["value"] for s in steps.values() for f in s["figures"]}
    assert figures["ingest.papers"] == 66  # every paper of the fixture
    assert 0 < figures["search.known_item_top3"] <= 1
    text = output.read_text()
    assert "<!-- bench:fixture -->" in text and "## fixture" in text
    for label in ("ingest throughput", "index build", "/api/search p50, 30 BRIEF queries"):
        assert label in text
    assert "raw tantivy: query p50" in text and "SQLite FTS5: query p50" in text
    assert "rank-bm25: get_scores per paper" in text
    assert "÷ raw tantivy p50" in text
