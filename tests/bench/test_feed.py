"""bench.feed on the demo corpus (real records): every method scored, the table printed,
the figures recorded, and its metrics right on hand-made cases."""

from __future__ import annotations

import json

import numpy as np

from bench import feed
from bench.results import ENV
from tests.related.conftest import DEMO


def test_ndcg_and_ties_keep_list_order():
    relevant = np.array([False, True, False, True])
    assert feed.ndcg(np.array([0.0, 3.0, 0.0, 2.0]), relevant) == 1.0
    # All tied: list order decides, the relevant papers are 2nd and 4th.
    tied = feed.ndcg(np.zeros(4), relevant)
    ideal = 1 + 1 / np.log2(3)
    assert abs(tied - (1 / np.log2(3) + 1 / np.log2(5)) / ideal) < 1e-12
    assert feed.ndcg(np.zeros(4), np.zeros(4, dtype=bool)) == 0.0


def test_runs_on_the_demo_corpus(monkeypatch, tmp_path, capsys):
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv(ENV, str(results))
    code = feed.main(
        [
            "--corpus", str(DEMO), "--train-days", "10", "--test-days", "3",
            "--interests", "2", "--ks", "5,10", "--repeats", "1",
            "--min-train", "20", "--min-test", "5",
        ]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    for method in feed.METHODS:
        assert f"| {method} |" in out
    assert "Speed: training 1,000 ratings" in out
    figures = {r["name"]: r["value"] for r in map(json.loads, results.read_text().splitlines())}
    for k in (5, 10):
        assert 0.5 < figures[f"feed.ours.auc.k{k}"] <= 1.0
        assert 0 <= figures[f"feed.arxiv-sanity.ndcg.k{k}"] <= 1.0
    assert figures["feed.train_1000_ms"] > 0 and figures["feed.rank_2000_ms"] > 0
