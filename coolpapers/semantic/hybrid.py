"""Related papers from two signals: the BM25 lists' candidates and embedding neighbours.

For each paper, the candidates are its BM25 candidates (coolpapers.related.corpus) plus its
DENSE_CANDIDATES nearest papers by embedding cosine. Every candidate gets both scores (its
BM25 score for the paper's expanded query, and its cosine) and a rank by each, and the list
is ordered by weighted reciprocal ranks:

    WEIGHT / (RRF_K + rank by cosine) + (1 - WEIGHT) / (RRF_K + rank by BM25)

Ranks, not scores: BM25 scores are only comparable within one paper and spread far wider
than cosines, so adding the two scores (even normalised by the paper's best, or as
z-scores) lets BM25 outvote the better signal. On the development sample of
bench/semantic.py (papers other than the benchmark's), this rank fusion was the only
combination at least as good as cosine alone, and it keeps BM25's exact matches of rare
terms (names, acronyms) near the top; see the README for the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coolpapers.related.corpus import RELATED, CorpusModel, PaperResult, PaperText
from coolpapers.related.hooks import SIGNALS_BM25
from coolpapers.semantic.store import VectorMatrix

DENSE_CANDIDATES = 60
WEIGHT = 0.7
RRF_K = 60
BLOCK = 256  # queries per matrix product: 256 x papers float32 similarities at a time

SIGNALS_HYBRID = "bm25+embedding"


def nearest(
    vectors: VectorMatrix, queries: np.ndarray, k: int, exclude: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the k nearest embeddings of each query (cosine desc) and their cosines.

    exclude[i] is a row query i must not return (the paper itself) or -1."""
    n = len(vectors)
    k = min(k, max(n - 1, 0))
    rows = np.full((len(queries), k), -1, dtype=np.int64)
    cosines = np.full((len(queries), k), -np.inf, dtype=np.float32)
    if not k:
        return rows, cosines
    for start in range(0, len(queries), BLOCK):
        similarity = queries[start : start + BLOCK] @ vectors.matrix.T
        if exclude is not None:
            own = np.asarray(exclude[start : start + BLOCK])
            mine = np.flatnonzero(own >= 0)
            similarity[mine, own[mine]] = -np.inf
        top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(similarity, top, 1)
        order = np.argsort(-values, axis=1, kind="stable")
        rows[start : start + BLOCK] = np.take_along_axis(top, order, 1)
        cosines[start : start + BLOCK] = np.take_along_axis(values, order, 1)
    return rows, cosines


@dataclass
class Scored:
    """A paper's candidates with both signals: ids, BM25 scores and cosines (aligned)."""

    result: PaperResult  # keywords, and the candidates by BM25 score
    ids: list[str]
    bm25: np.ndarray
    cosine: np.ndarray


def score_candidates(
    model: CorpusModel, vectors: VectorMatrix, papers: Sequence[PaperText]
) -> list[Scored]:
    """Every candidate of these papers (which all have embeddings) with both scores."""
    rows = np.array([vectors.row_of[p.arxiv_id] for p in papers], dtype=np.int64)
    queries = vectors.matrix[rows]
    dense, _ = nearest(vectors, queries, DENSE_CANDIDATES, exclude=rows)
    extra = np.full(dense.shape, -1, dtype=np.int64)
    for i, found in enumerate(dense):
        for j, row in enumerate(found):
            if row >= 0:
                extra[i, j] = model.row_of.get(vectors.ids[row], -1)
    results = model.compute(papers, extra=extra, keep=None)
    scored = []
    for query, result in zip(queries, results, strict=True):
        ids = [pid for pid, _ in result.related]
        known = [vectors.row_of.get(pid, -1) for pid in ids]
        cosine = np.zeros(len(ids), dtype=np.float32)
        present = np.flatnonzero(np.array(known) >= 0)
        if len(present):
            cosine[present] = vectors.matrix[np.array(known)[present]] @ query
        bm25 = np.array([score for _, score in result.related], dtype=np.float64)
        scored.append(Scored(result, ids, bm25, cosine))
    return scored


def ranks(values: np.ndarray) -> np.ndarray:
    """1 for the largest value; ties in the order given."""
    order = np.argsort(-values, kind="stable")
    out = np.empty(len(values), dtype=np.int64)
    out[order] = np.arange(1, len(values) + 1)
    return out


def fuse(scored: Scored, weight: float = WEIGHT, keep: int = RELATED) -> list[tuple[str, float]]:
    """The `keep` best candidates by the hybrid score, best first (ties: lower id)."""
    if not scored.ids:
        return []
    score = weight / (RRF_K + ranks(scored.cosine)) + (1 - weight) / (RRF_K + ranks(scored.bm25))
    order = sorted(range(len(score)), key=lambda i: (-score[i], scored.ids[i]))[:keep]
    return [(scored.ids[i], round(float(score[i]), 8)) for i in order]


def related(
    model: CorpusModel, vectors: VectorMatrix, papers: Sequence[PaperText]
) -> list[tuple[PaperResult, str]]:
    """Each paper's result and the signals behind it: hybrid for the papers with a current
    embedding, BM25 alone for the others (not embedded yet)."""
    embedded = [
        p
        for p in papers
        if (row := vectors.row_of.get(p.arxiv_id)) is not None
        and vectors.hashes[row] == p.content_hash
    ]
    done: dict[str, tuple[PaperResult, str]] = {}
    if embedded:
        for scored in score_candidates(model, vectors, embedded):
            result = scored.result
            result.related = fuse(scored)
            done[result.arxiv_id] = (result, SIGNALS_HYBRID)
    rest = [p for p in papers if p.arxiv_id not in done]
    for result in model.compute(rest) if rest else []:
        done[result.arxiv_id] = (result, SIGNALS_BM25)
    return [done[p.arxiv_id] for p in papers]
