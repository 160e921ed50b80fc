"""The bulk BM25 is rank-bm25's BM25Okapi: same scores to 1e-6 for the same tokens and
parameters (repeated and unseen query tokens included), and an exact top-k."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from rank_bm25 import BM25Okapi

from coolpapers.related.similarity import BM25Index, BM25Params


def tokens_of(analysis) -> list[str]:
    """The tokens the corpus model indexes for a paper (all phrase candidates here)."""
    return analysis.words + analysis.phrases + analysis.extra


@pytest.fixture(scope="module")
def corpus(sample_papers) -> list[list[str]]:
    return [tokens_of(p.analyze()) for p in sample_papers]


def queries_from(corpus: list[list[str]]) -> list[list[str]]:
    queries = [doc[:12] for doc in corpus[::5]]
    queries.append(["model", "model", "model", "diffusion", "gaussian", "splatting"])
    queries.append(["never-seen-token", "model", "never-seen-token", "segmentation"])
    queries.append(["never-seen-token"])
    queries.append([])
    return queries


@pytest.mark.parametrize(
    "params", [BM25Params(), BM25Params(k1=1.2, b=0.5, epsilon=0.1)], ids=["default", "tuned"]
)
def test_scores_equal_rank_bm25(corpus, params):
    reference = BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    index, vocabulary = BM25Index.from_tokens(corpus, params)
    # The sample has words in more than half of the papers: the epsilon floor is exercised.
    floor = params.epsilon * reference.average_idf
    assert any(idf == pytest.approx(floor) for idf in reference.idf.values())
    queries = queries_from(corpus)
    ours = index.scores(BM25Index.query_matrix(queries, vocabulary, len(vocabulary)))
    for query, row in zip(queries, ours, strict=True):
        np.testing.assert_allclose(row, reference.get_scores(query), rtol=0, atol=1e-6)


def test_corpus_model_rows_equal_rank_bm25_over_its_own_tokens(demo_model, demo_papers):
    """The production build (vocabulary, phrase selection, authors) is BM25Okapi over exactly
    the tokens it keeps: every word and author/comment term, and the phrases it chose."""
    model = demo_model
    corpus = []
    for paper in demo_papers:
        analysis = paper.analyze()
        phrases = [p for p in analysis.phrases if p in model.vocabulary]
        corpus.append(analysis.words + phrases + analysis.extra)
    reference = BM25Okapi(corpus)
    queries = [corpus[i][:8] + corpus[i][:3] for i in (0, 700, 1400, 2100)] + [
        ["dark matter", "@planck_c", "black", "black", "no-such-term"]
    ]
    matrix = BM25Index.query_matrix(queries, model.vocabulary, len(model.terms))
    for query, row in zip(queries, model.index.scores(matrix), strict=True):
        np.testing.assert_allclose(row, reference.get_scores(query), rtol=0, atol=1e-6)
    # A paper weighed again under the build's statistics gets its row back exactly.
    again = model.weigh([demo_papers[42].analyze()])
    row = model.index.weights[42]
    assert (again.indices == row.indices).all()
    np.testing.assert_allclose(again.data, row.data, rtol=1e-12)


def brute_force_top(scores: np.ndarray, k: int, exclude: int, alive: np.ndarray) -> list[int]:
    candidates = [d for d in range(len(scores)) if scores[d] > 0 and d != exclude and alive[d]]
    return sorted(candidates, key=lambda d: (-scores[d], d))[:k]


def test_top_k_is_the_exact_top_k(corpus):
    index, vocabulary = BM25Index.from_tokens(corpus)
    queries = queries_from(corpus)
    matrix = BM25Index.query_matrix(queries, vocabulary, len(vocabulary))
    # Weighted queries too: the related-papers query is a weighted one.
    weighted = matrix.copy()
    weighted.data = np.sqrt(weighted.data) * np.linspace(0.5, 2.0, len(weighted.data))
    dense = index.scores(weighted)
    exclude = np.arange(len(queries)) * 5 % len(corpus)
    alive = np.ones(len(corpus), dtype=bool)
    alive[[3, 10, 11]] = False
    for k in (1, 5, 20, 100):
        ids, scores = index.top_k(weighted, k, exclude=exclude, alive=alive, batch=3)
        for i in range(len(queries)):
            expected = brute_force_top(dense[i], k, exclude[i], alive)
            got = [d for d in ids[i] if d >= 0]
            assert got == expected
            np.testing.assert_allclose(scores[i, : len(got)], dense[i, expected], atol=1e-9)
            assert (scores[i, len(got) :] == -np.inf).all()


def test_pair_scores_equal_the_full_product(corpus):
    index, vocabulary = BM25Index.from_tokens(corpus)
    queries = BM25Index.query_matrix(queries_from(corpus), vocabulary, len(vocabulary))
    dense = index.scores(queries)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, queries.shape[0], 500)
    docs = rng.integers(0, len(corpus), 500)
    np.testing.assert_allclose(index.pair_scores(queries, rows, docs), dense[rows, docs], atol=1e-9)


def test_ties_are_broken_by_document_order():
    corpus = [["a", "b"], ["a", "b"], ["a", "b"], ["c"], ["d"], ["e"], ["f"], ["g"]]
    index, vocabulary = BM25Index.from_tokens(corpus)
    query = BM25Index.query_matrix([["a"]], vocabulary, len(vocabulary))
    ids, _ = index.top_k(query, 2)
    assert ids.tolist() == [[0, 1]]
    empty = index.top_k(sp.csr_matrix((1, len(vocabulary))), 2)[0]
    assert empty.tolist() == [[-1, -1]]
