"""The hybrid: embedding neighbours (never the paper itself) join the BM25 candidates, every
candidate gets both scores, and the fused order puts papers on the paper's topic first."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from coolpapers.related import services as related_services
from coolpapers.related.corpus import RELATED, CorpusModel, PaperResult
from coolpapers.semantic import hybrid, store
from coolpapers.semantic.hybrid import RRF_K, Scored, fuse, nearest
from coolpapers.semantic.store import VectorMatrix
from tests.semantic.conftest import DARK_MATTER, SPLATTING, VLM_SAFETY

pytestmark = pytest.mark.semantic


def scored(ids: list[str], bm25: list[float], cosine: list[float]) -> Scored:
    return Scored(PaperResult("q", "h", []), ids, np.array(bm25), np.array(cosine))


def rrf(weight: float, cosine_rank: int, bm25_rank: int) -> float:
    return weight / (RRF_K + cosine_rank) + (1 - weight) / (RRF_K + bm25_rank)


def test_fuse_weighs_the_rank_by_cosine_against_the_rank_by_bm25():
    # by BM25: a b c d; by cosine: b c a d
    candidates = scored(["a", "b", "c", "d"], [9.0, 8.0, 1.0, 0.5], [0.2, 0.9, 0.85, 0.1])
    assert fuse(candidates) == [
        ("b", pytest.approx(rrf(0.7, 1, 2), abs=1e-8)),
        ("c", pytest.approx(rrf(0.7, 2, 3), abs=1e-8)),
        ("a", pytest.approx(rrf(0.7, 3, 1), abs=1e-8)),
        ("d", pytest.approx(rrf(0.7, 4, 4), abs=1e-8)),
    ]
    assert [pid for pid, _ in fuse(candidates, weight=0.0)] == ["a", "b", "c", "d"]
    assert [pid for pid, _ in fuse(candidates, weight=1.0)] == ["b", "c", "a", "d"]
    assert [pid for pid, _ in fuse(candidates, weight=0.2)] == ["a", "b", "c", "d"]
    assert [pid for pid, _ in fuse(candidates, keep=2)] == ["b", "c"]


def test_fuse_breaks_ties_by_the_lower_id_and_keeps_nothing_of_nothing():
    # y first by BM25, x first by cosine: equal at weight 0.5
    assert [pid for pid, _ in fuse(scored(["y", "x"], [2.0, 1.0], [0.1, 0.2]), 0.5)] == ["x", "y"]
    assert fuse(scored([], [], [])) == []


def unit_matrix(angles: list[float]) -> VectorMatrix:
    vectors = VectorMatrix("test")
    points = np.array([[np.cos(a), np.sin(a)] for a in angles], dtype=np.float32)
    vectors.add([f"p{i}" for i in range(len(angles))], ["h"] * len(angles), points)
    return vectors


def test_nearest_is_ordered_by_cosine_and_never_returns_the_paper_itself(monkeypatch):
    vectors = unit_matrix([0.0, 0.1, 0.5, 1.5, 3.0])
    rows, cosines = nearest(vectors, vectors.matrix, k=10, exclude=list(range(5)))
    assert rows.shape == (5, 4)  # at most every other paper
    assert rows[0].tolist() == [1, 2, 3, 4] and rows[4].tolist() == [3, 2, 1, 0]
    assert rows[2].tolist() == [1, 0, 3, 4]
    assert all(i not in rows[i] for i in range(5))
    assert np.all(np.diff(cosines, axis=1) <= 0)
    assert cosines[0, 0] == pytest.approx(np.cos(0.1), abs=1e-6)
    # -1: nothing to exclude for that query, so p0 finds itself
    rows, _ = nearest(vectors, vectors.matrix[:2], k=2, exclude=[-1, 1])
    assert rows.tolist() == [[0, 1], [0, 2]]
    # queries in blocks give the same answer
    expected = nearest(vectors, vectors.matrix, 3, exclude=list(range(5)))
    monkeypatch.setattr(hybrid, "BLOCK", 2)
    blocked = nearest(vectors, vectors.matrix, 3, exclude=list(range(5)))
    assert np.array_equal(expected[0], blocked[0])
    assert np.allclose(expected[1], blocked[1], atol=1e-6)


def test_nearest_of_a_single_paper_is_nothing():
    rows, cosines = nearest(unit_matrix([0.0]), np.ones((1, 2), np.float32), 5, exclude=[0])
    assert rows.shape == cosines.shape == (1, 0)


@pytest.fixture
def corpus(embedded):
    papers = related_services.paper_texts(embedded)
    return papers, CorpusModel.build(papers), store.matrix()


@pytest.mark.django_db
def test_candidates_are_the_bm25_ones_plus_the_embedding_neighbours(corpus):
    papers, model, vectors = corpus
    chosen = [p for p in papers if p.arxiv_id in {*SPLATTING, *VLM_SAFETY, *DARK_MATTER}]
    rows = [vectors.row_of[p.arxiv_id] for p in chosen]
    dense, _ = nearest(vectors, vectors.matrix[rows], hybrid.DENSE_CANDIDATES, exclude=rows)
    bm25_only = {r.arxiv_id: r.related for r in model.compute(chosen)}
    for paper, found, candidates in zip(
        chosen, dense, hybrid.score_candidates(model, vectors, chosen), strict=True
    ):
        assert candidates.result.arxiv_id == paper.arxiv_id
        assert paper.arxiv_id not in candidates.ids
        assert len(set(candidates.ids)) == len(candidates.ids)
        assert {vectors.ids[row] for row in found} <= set(candidates.ids)
        # every candidate's cosine is its stored embedding's, its BM25 score the BM25 lists'
        query = vectors.matrix[vectors.row_of[paper.arxiv_id]]
        for pid, cosine in zip(candidates.ids, candidates.cosine, strict=True):
            assert cosine == pytest.approx(vectors.matrix[vectors.row_of[pid]] @ query, abs=1e-5)
        by_bm25 = dict(zip(candidates.ids, candidates.bm25, strict=True))
        for pid, score in bm25_only[paper.arxiv_id]:
            assert by_bm25[pid] == pytest.approx(score)


@pytest.mark.django_db
def test_hybrid_lists_put_the_paper_on_the_same_topic_first(corpus):
    papers, model, vectors = corpus
    results = hybrid.related(model, vectors, papers)
    assert {signals for _, signals in results} == {hybrid.SIGNALS_HYBRID}
    for paper, (result, _) in zip(papers, results, strict=True):
        ids = [pid for pid, _ in result.related]
        scores = [score for _, score in result.related]
        assert result.arxiv_id == paper.arxiv_id and result.keywords
        assert len(ids) == RELATED == len(set(ids)) and paper.arxiv_id not in ids
        assert scores == sorted(scores, reverse=True)
    first = {result.arxiv_id: result.related[0][0] for result, _ in results}
    for a, b in (SPLATTING, VLM_SAFETY, DARK_MATTER):
        assert first[a] == b and first[b] == a


@pytest.mark.django_db
def test_a_paper_changed_since_its_embedding_gets_bm25_alone(corpus):
    papers, _, vectors = corpus
    changed = dataclasses.replace(papers[5], content_hash="changed")
    papers = [*papers[:5], changed, *papers[6:]]
    model = CorpusModel.build(papers)
    results = hybrid.related(model, vectors, papers)
    assert [signals for _, signals in results].count(hybrid.SIGNALS_BM25) == 1
    result, signals = results[5]
    assert signals == hybrid.SIGNALS_BM25 and result.content_hash == "changed"
    assert result.related == model.compute([changed])[0].related
