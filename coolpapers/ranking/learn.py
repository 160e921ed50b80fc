"""A profile's linear model over the papers' BM25 rows: fitting, scoring and explaining.

Pure NumPy/SciPy/scikit-learn on matrices, no database, so the benchmark (bench/feed.py)
measures exactly what the site runs.

Features: a paper's BM25 row of the related-papers corpus model (words, phrases, authors
"@surname_i", comment words "#word"; categories are never in it) scaled to unit length, and
in semantic mode its embedding (unit length, x SEMANTIC_WEIGHT) beside it.

The model is one weight vector w (and an intercept), score(x) = w . x:

    w = LogisticRegression(👍 and saved papers vs 👎 and random papers)
        + PRIOR_WEIGHT x (mean unit row of the liked papers)
        + KEYWORD_WEIGHT x (unit query vector of the profile's keywords)

The prior terms are what a few ratings cannot teach a classifier yet: the typed keywords
(KEYWORD_WEIGHT 5 lifts nDCG@20 at k = 5 from 0.46 to 0.66 on simulated readers) and
similarity to the liked papers, which is the whole model of a profile not trained yet (its
saved papers: the cold start) and changes nothing measurable beside the classifier. With
more ratings the classifier's weights grow and outweigh both. Random papers stand in for 👎
when there are few (RANDOM_NEGATIVES, weighed to count as RANDOM_SHARE of the positives).
C, the weights and the solver were chosen with bench/feed.py (liblinear: 5x faster than
lbfgs on 1,000 ratings); its table is in BENCHMARKS.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

C = 4.0
PRIOR_WEIGHT = 1.0
KEYWORD_WEIGHT = 5.0
RANDOM_NEGATIVES = 200
MIN_NEGATIVES = 200  # fewer 👎 than this: random papers fill up to it
RANDOM_SHARE = 1.0
SEMANTIC_WEIGHT = 1.0
MAX_ITER = 200
SOLVER = "liblinear"


@dataclass
class Linear:
    """w over the BM25 columns (sparse: `indices`, `values`) and the embedding (`dense`)."""

    indices: np.ndarray  # int32 columns with a weight
    values: np.ndarray  # float32
    intercept: float = 0.0
    dense: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def vector(self, n_terms: int) -> np.ndarray:
        """The BM25 part as a dense vector over `n_terms` columns (columns past it dropped)."""
        w = np.zeros(n_terms, dtype=np.float64)
        ok = self.indices < n_terms
        w[self.indices[ok]] = self.values[ok]
        return w

    @property
    def empty(self) -> bool:
        return not len(self.indices) and not np.any(self.dense)

    def to_bytes(self) -> tuple[bytes, bytes, bytes]:
        return (
            np.asarray(self.indices, dtype=np.int32).tobytes(),
            np.asarray(self.values, dtype=np.float32).tobytes(),
            np.asarray(self.dense, dtype=np.float32).tobytes(),
        )

    @classmethod
    def from_bytes(cls, indices: bytes, values: bytes, dense: bytes, intercept: float) -> Linear:
        return cls(
            np.frombuffer(bytes(indices), dtype=np.int32),
            np.frombuffer(bytes(values), dtype=np.float32),
            intercept,
            np.frombuffer(bytes(dense), dtype=np.float32),
        )


def unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit length (empty rows stay empty)."""
    matrix = sp.csr_matrix(matrix, dtype=np.float64)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return (sp.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix).tocsr()


def unit_dense(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True) if matrix.size else 1.0
    return matrix / np.maximum(norms, 1e-12)


@dataclass
class Examples:
    """Unit BM25 rows (and embeddings, or None) of one group of papers."""

    rows: sp.csr_matrix
    dense: np.ndarray | None = None

    def __len__(self) -> int:
        return self.rows.shape[0]


def _sparse_mean(rows: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Columns and values of the mean row."""
    mean = sp.csr_matrix(rows.sum(axis=0) / max(rows.shape[0], 1))
    mean.eliminate_zeros()
    return mean.indices.astype(np.int64), mean.data


def fit(
    positives: Examples,
    negatives: Examples,
    random: Examples,
    keyword_query: sp.csr_matrix | None = None,
    *,
    c: float = C,
    prior_weight: float = PRIOR_WEIGHT,
    keyword_weight: float = KEYWORD_WEIGHT,
    random_share: float = RANDOM_SHARE,
) -> Linear:
    """The profile's weights from its 👍 (and saved) papers, 👎 papers, random papers and
    keywords (a 1 x terms query row), any of which may be empty."""
    parts_columns: list[np.ndarray] = []
    parts_values: list[np.ndarray] = []

    def add(columns: np.ndarray, values: np.ndarray, scale: float) -> None:
        parts_columns.append(np.asarray(columns, dtype=np.int64))
        parts_values.append(scale * np.asarray(values, dtype=np.float64))

    dense_dim = next(
        (
            e.dense.shape[1]
            for e in (positives, negatives, random)
            if e.dense is not None and len(e)
        ),
        0,
    )
    dense = np.zeros(dense_dim)
    intercept = 0.0
    n_pos, n_neg = len(positives), len(negatives)
    if n_pos and (n_neg or len(random)):
        use_random = len(random) if n_neg < MIN_NEGATIVES else 0
        parts = [positives, negatives] + ([random] if use_random else [])
        x = sp.vstack([p.rows for p in parts], format="csr")
        columns = np.unique(x.indices)
        x = x[:, columns]  # the columns any example holds: the rest get no weight from a fit
        if dense_dim:
            blocks = [
                p.dense if p.dense is not None else np.zeros((len(p), dense_dim)) for p in parts
            ]
            x = sp.hstack([x, sp.csr_matrix(np.vstack(blocks))], format="csr")
        y = np.concatenate([np.ones(n_pos), np.zeros(n_neg), np.zeros(use_random)])
        weight = np.concatenate(
            [
                np.ones(n_pos),
                np.full(n_neg, max(1.0, n_pos / max(n_neg, 1)) if n_neg < n_pos else 1.0),
                np.full(use_random, random_share * n_pos / max(use_random, 1)),
            ]
        )
        model = LogisticRegression(C=c, max_iter=MAX_ITER, solver=SOLVER)
        model.fit(x, y, sample_weight=weight)
        coef = model.coef_[0]
        add(columns, coef[: len(columns)], 1.0)
        if dense_dim:
            dense += coef[len(columns) :]
        intercept = float(model.intercept_[0])
    if n_pos and prior_weight:
        add(*_sparse_mean(positives.rows), prior_weight)
        if dense_dim and positives.dense is not None:
            dense += prior_weight * positives.dense.mean(axis=0)
    elif n_neg and prior_weight:  # only 👎: away from them
        add(*_sparse_mean(negatives.rows), -prior_weight)
    if keyword_query is not None and keyword_query.nnz and keyword_weight:
        query = unit_rows(keyword_query)
        add(query.indices.astype(np.int64), query.data, keyword_weight)
    if parts_columns:
        every = np.concatenate(parts_columns)
        columns, where = np.unique(every, return_inverse=True)
        values = np.bincount(where, weights=np.concatenate(parts_values), minlength=len(columns))
        keep = values != 0
        columns, values = columns[keep].astype(np.int32), values[keep].astype(np.float32)
    else:
        columns, values = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return Linear(columns, values, intercept, dense.astype(np.float32))


def scores(
    linear: Linear,
    rows: sp.csr_matrix,
    dense: np.ndarray | None = None,
    w: np.ndarray | None = None,
) -> np.ndarray:
    """w . x for unit rows (and embeddings). `w`: the BM25 part as a dense vector, if made."""
    if w is None:
        w = linear.vector(rows.shape[1])
    out = rows @ w
    if dense is not None and len(linear.dense) and dense.shape[1] == len(linear.dense):
        out = out + dense @ linear.dense
    return out + linear.intercept


def top_contributions(
    row: sp.csr_matrix, w: np.ndarray, readable: np.ndarray, n: int
) -> list[tuple[int, float]]:
    """The columns of one unit row that added most to its score (readable columns only)."""
    columns, values = row.indices, row.data
    contribution = values * w[columns]
    ok = (contribution > 0) & readable[columns]
    columns, contribution = columns[ok], contribution[ok]
    order = np.argsort(-contribution, kind="stable")[: n * 3]
    return [(int(columns[i]), float(contribution[i])) for i in order]


def closest(
    rows: sp.csr_matrix, profile_rows: sp.csr_matrix, profile_ids: Sequence[str], n: int
) -> list[list[str]]:
    """For each unit row, the profile papers nearest to it (cosine), one product for all."""
    if not profile_rows.shape[0]:
        return [[] for _ in range(rows.shape[0])]
    similarity = (profile_rows @ rows.T).toarray()  # profile papers x rows
    out = []
    for column in range(rows.shape[0]):
        sims = similarity[:, column]
        order = np.argsort(-sims, kind="stable")[:n]
        out.append([profile_ids[i] for i in order if sims[i] > 0])
    return out
