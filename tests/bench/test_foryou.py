"""bench.foryou on the sample papers (real records) and their BM25 model: the reader and
profile made, every kind of page timed, the figures printed and recorded."""

from __future__ import annotations

import json

from bench import foryou
from bench.results import ENV
from coolpapers.library.models import Collection, Rating
from tests.personal.foryou_support import busiest_day


def test_runs_on_the_sample_papers(related, settings, monkeypatch, tmp_path, capsys):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"}
    }
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv(ENV, str(results))
    day = busiest_day().isoformat()  # 50 papers: two pages
    code = foryou.main(["--data-dir", str(tmp_path), "--requests", "3", "--date", day])
    assert code == 0
    out = capsys.readouterr().out
    for kind in ("page 1", "chunk 2", "catch-up", "list sort", "page 1 cold", "catch-up cold"):
        assert f"\n{kind} " in out
    assert "target p95 < 100 ms" in out
    profile = Collection.objects.get(owner__username=foryou.USERNAME)
    assert Rating.objects.filter(collection=profile, value=Rating.UP).exists()
    assert profile.ranking_model.positives > 0  # trained
    figures = {r["name"]: r["value"] for r in map(json.loads, results.read_text().splitlines())}
    assert figures["foryou.page_1_p95_ms"] > 0 and figures["foryou.catch-up_cold_p50_ms"] > 0
