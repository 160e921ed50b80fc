"""bench.hostile on the fixture corpus: every hostile query answered, none with a 500."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests/fixtures/arxiv/corpus/daily_arxiv_sample.jsonl.gz"


@pytest.mark.timeout(300)
def test_the_hostile_benchmark_prints_the_worst_time_per_kind(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    args = ["--corpus", str(SAMPLE), "--data-dir", str(tmp_path / "data"), "--backend", "whoosh"]
    run = subprocess.run(
        [sys.executable, "-m", "bench.hostile", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    for kind in ("one 499-letter word", "phrase of common words", "huge page numbers"):
        assert re.search(rf"^{kind} +/arxiv/search .* ms .* ms .* ms", out, re.M), out
        assert re.search(rf"^{kind} +/api/search ", out, re.M), out
    worst = float(re.search(r"^worst request: (\d+) ms", out, re.M).group(1))
    assert worst < 5000, out  # 66 papers: nothing near the time budget
    assert "500:" not in out
