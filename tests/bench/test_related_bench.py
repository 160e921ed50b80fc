"""bench.related: the figures it records, and rank-bm25 ranking as our BM25 index does."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import related
from coolpapers.related.corpus import CorpusModel

CORPUS = Path(__file__).resolve().parents[1] / "fixtures/arxiv/corpus/daily_arxiv_sample.jsonl.gz"
FIXTURE_PAPERS = 66

COMMON = {
    "related.papers",
    "related.build_s",
    "related.lists_s",
    "related.full_s",
    "related.ms_per_paper",
    "related.workers",
    "related.quality_primary",
    "related.quality_any",
    "related.keywords_quality_primary",
    "related.keywords_quality_any",
    "related.new_papers",
    "related.new_s",
    "related.new_model_build_s",
    "related.rank_bm25.init_s",
    "related.rank_bm25.ms_per_paper",
    "related.rank_bm25.overlap",
    "related.peak_main_mb",
}
TFIDF = {"related.tfidf_quality_primary", "related.tfidf_quality_any"}


def run(monkeypatch, tmp_path: Path, *extra: str) -> dict[str, dict]:
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv("BENCH_RESULTS", str(results))
    argv = ["bench.related", "--corpus", str(CORPUS), "--sample", "20", "--new", "10"]
    monkeypatch.setattr(sys, "argv", [*argv, "--rank-bm25", "5", *extra])
    related.main()
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    figures = {f["name"]: f for f in lines}
    assert len(figures) == len(lines), "a figure recorded twice"
    return figures


def check_values(figures: dict[str, dict]) -> None:
    assert figures["related.papers"]["value"] == FIXTURE_PAPERS
    assert figures["related.new_papers"]["value"] == 10
    for name, figure in figures.items():
        value, unit = figure["value"], figure["unit"]
        assert np.isfinite(value), name
        if unit == "share":
            assert 0 <= value <= 1, name
        elif unit in ("s", "ms") or name.startswith("related.peak"):
            assert value > 0, name
    full = figures["related.full_s"]["value"]
    parts = figures["related.build_s"]["value"] + figures["related.lists_s"]["value"]
    assert full == pytest.approx(parts)
    assert figures["related.rank_bm25.index_mb"]["value"] > 0
    # Same terms, same formula: rank-bm25's top 10 are ours for the same weighted query.
    assert figures["related.rank_bm25.overlap_same_query"]["value"] == 1.0


def test_records_without_tfidf(monkeypatch, tmp_path, capsys):
    figures = run(monkeypatch, tmp_path, "--workers", "1", "--no-tfidf")
    assert not COMMON - figures.keys()
    assert not TFIDF & set(figures)
    assert "related.peak_worker_mb" not in figures  # no worker processes to measure
    assert figures["related.workers"]["value"] == 1
    check_values(figures)
    out = capsys.readouterr().out
    assert "TF-IDF" not in out
    assert "rank-bm25 top 10 vs ours: 1.000 overlap for the same weighted query" in out


def test_records_with_tfidf_and_workers(monkeypatch, tmp_path, capsys):
    figures = run(monkeypatch, tmp_path, "--workers", "2")
    assert not (COMMON | TFIDF | {"related.peak_worker_mb"}) - figures.keys()
    check_values(figures)
    assert "arxiv-sanity TF-IDF, 10000 features" in capsys.readouterr().out


def test_a_share_of_the_lists_extrapolates_the_full_recompute(monkeypatch, tmp_path, capsys):
    """At a million papers every paper's lists would take hours: a random share is timed."""
    figures = run(monkeypatch, tmp_path, "--workers", "1", "--no-tfidf", "--lists", "5")
    check_values(figures)
    assert "extrapolated" in figures["related.ms_per_paper"]["note"]
    out = capsys.readouterr().out
    assert "lists extrapolated from" in out
    assert "ours, all" not in out  # only the sampled papers have lists


@pytest.fixture(scope="module")
def fixture_model() -> tuple[CorpusModel, list[related.PaperText]]:
    papers = related.read_corpus(CORPUS)[0]
    return CorpusModel.build(papers), papers


def test_rank_bm25_ranks_every_fixture_paper_as_we_do(fixture_model):
    """The engine's BM25 is rank-bm25's BM25Okapi: for every paper's full weighted query, the
    library's top 10 (one get_scores per term, weighted) are our BM25Index's, in order."""
    model, papers = fixture_model
    terms, vocabulary, params = model.terms, model.vocabulary, model.index.params
    bm25 = related.rank_bm25_index(papers, terms, vocabulary, params)
    assert (bm25.k1, bm25.b, bm25.epsilon) == (params.k1, params.b, params.epsilon)
    assert bm25.avgdl == pytest.approx(model.index.avgdl)
    assert len(bm25.idf) == len(model.terms)
    for term, column in model.vocabulary.items():
        assert bm25.idf[term] == pytest.approx(model.index.idf[column], rel=1e-12)
    overlaps = []
    for row in range(len(papers)):
        theirs, ours = related.rank_bm25_and_ours(model, bm25, papers, row)
        assert row not in theirs
        assert len(theirs) == len(ours) == related.TOP
        overlaps.append(related.overlap(theirs, ours))
        assert theirs == ours, papers[row].arxiv_id  # same papers, same order
    assert np.mean(overlaps) == 1.0


def test_weighted_scores_are_rank_bm25s_own(fixture_model):
    """Every paper's scores, not only the top: rank-bm25's weighted sum equals our product, and
    with unit weights it is the stock get_scores(terms) call."""
    model, papers = fixture_model
    bm25 = related.rank_bm25_index(papers, model.terms, model.vocabulary, model.index.params)
    rows = np.arange(0, len(papers), 7)
    query, queries = related.weighted_queries(model, papers, rows)
    ours = model.index.scores(query)
    related.prepare_rank_bm25(bm25)
    for i, (terms, weights) in enumerate(queries):
        assert len(set(terms)) == len(terms)
        stock = bm25.get_scores(terms)
        np.testing.assert_allclose(
            related.rank_bm25_scores(bm25, terms, np.ones(len(terms))), stock, rtol=1e-12
        )
        np.testing.assert_allclose(
            related.rank_bm25_scores(bm25, terms, weights), ours[i], rtol=1e-10, atol=1e-12
        )


def test_document_terms_are_the_model_counts(fixture_model):
    """rank-bm25's documents hold exactly the model's counts, lengths included."""
    model, papers = fixture_model
    weights = model.index.weights
    for row, paper in enumerate(papers):
        tokens = related.document_terms(paper.analyze(), model.terms, model.vocabulary)
        lo, hi = weights.indptr[row], weights.indptr[row + 1]
        columns = {model.vocabulary[t] for t in tokens}
        # The model drops weights of idf 0 (a term in exactly half the papers).
        assert {c for c in columns if model.index.idf[c]} == set(weights.indices[lo:hi].tolist())
        # Shared string objects: a document's dict keys are not copies.
        assert all(t is model.terms[model.vocabulary[t]] for t in tokens)
