"""BM25Okapi in bulk: a docs x terms matrix of precomputed term weights, scored by products.

rank-bm25 scores one query by looping over every document in Python (0.8 s on 133k
papers). Here the per-(document, term) part of its formula is computed once:

    W[d, t] = idf(t) * tf(d, t)*(k1 + 1) / (tf(d, t) + k1*(1 - b + b*|d| / avgdl))

so the scores of a batch of queries Q (queries x terms, token counts or weights) are the
sparse product Q * W^T, exactly rank-bm25's `get_scores` for count queries (a repeated
token counts twice, a token the corpus never saw adds nothing). idf follows rank-bm25:
log(N - df + 0.5) - log(df + 0.5), and a negative idf becomes epsilon * (mean idf).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# pair_scores spreads queries into a dense table of at most this many float64 cells (32 MB).
PAIR_TABLE_CELLS = 4_000_000


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


def rank_bm25_idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """rank-bm25's BM25Okapi idf; terms no document holds (df 0) get 0 and no say in the mean."""
    present = df > 0
    idf = np.zeros(len(df))
    idf[present] = np.log(n_docs - df[present] + 0.5) - np.log(df[present] + 0.5)
    if present.any():
        floor = epsilon * idf[present].mean()
        idf[present & (idf < 0)] = floor
    return idf


def bm25_weights(
    counts: sp.csr_matrix,
    doc_len: np.ndarray,
    idf: np.ndarray,
    avgdl: float,
    params: BM25Params,
) -> sp.csr_matrix:
    """W[d, t] for term counts (docs x terms) of documents with the given lengths."""
    k1, b = params.k1, params.b
    counts = sp.csr_matrix(counts, dtype=np.float64)
    counts.sum_duplicates()
    tf = counts.data
    lengths = np.repeat(np.asarray(doc_len, dtype=np.float64), np.diff(counts.indptr))
    norm = k1 * (1 - b + b * lengths / avgdl) if avgdl else np.full(len(tf), k1)
    data = idf[counts.indices] * tf * (k1 + 1) / (tf + norm)
    weights = sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
    weights.eliminate_zeros()
    weights.sort_indices()
    return weights


class BM25Index:
    """The BM25 weights of a corpus, and exact scores and top-k for batches of queries.

    `weights` is docs x terms (CSR, float64); `postings` is its transpose, built on first
    use, so a product only touches the documents that hold a query's terms.
    """

    def __init__(
        self, weights: sp.csr_matrix, idf: np.ndarray, avgdl: float, params: BM25Params
    ) -> None:
        self.weights = weights
        self.idf = idf
        self.avgdl = avgdl
        self.params = params
        self._postings: sp.csr_matrix | None = None

    @classmethod
    def from_counts(
        cls,
        counts: sp.csr_matrix,
        params: BM25Params | None = None,
        doc_len: np.ndarray | None = None,
    ) -> BM25Index:
        """Index term counts (docs x terms). doc_len defaults to each row's token count."""
        params = params or BM25Params()
        counts = sp.csr_matrix(counts, dtype=np.float64)
        counts.sum_duplicates()
        n_docs = counts.shape[0]
        if doc_len is None:
            doc_len = np.asarray(counts.sum(axis=1)).ravel()
        avgdl = float(doc_len.mean()) if n_docs else 0.0
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = rank_bm25_idf(df, n_docs, params.epsilon)
        weights = bm25_weights(counts, doc_len, idf, avgdl, params)
        return cls(weights, idf, avgdl, params)

    @classmethod
    def from_tokens(
        cls, corpus: Iterable[Sequence[str]], params: BM25Params | None = None
    ) -> tuple[BM25Index, dict[str, int]]:
        """Index token lists as rank-bm25 does; returns the index and its vocabulary."""
        vocabulary: dict[str, int] = {}
        indices: list[int] = []
        indptr = [0]
        for document in corpus:
            indices.extend(vocabulary.setdefault(token, len(vocabulary)) for token in document)
            indptr.append(len(indices))
        counts = sp.csr_matrix(
            (np.ones(len(indices)), np.array(indices, dtype=np.int64), np.array(indptr)),
            shape=(len(indptr) - 1, len(vocabulary)),
        )
        return cls.from_counts(counts, params), vocabulary

    def weigh(self, counts: sp.csr_matrix, doc_len: np.ndarray) -> sp.csr_matrix:
        """BM25 weights of other documents' term counts under this corpus's idf and avgdl."""
        return bm25_weights(counts, doc_len, self.idf, self.avgdl, self.params)

    @staticmethod
    def query_matrix(
        queries: Sequence[Sequence[str]], vocabulary: dict[str, int], n_terms: int
    ) -> sp.csr_matrix:
        """Token lists as a queries x terms count matrix; unknown tokens are dropped."""
        rows, cols = [], []
        for row, query in enumerate(queries):
            for token in query:
                column = vocabulary.get(token)
                if column is not None:
                    rows.append(row)
                    cols.append(column)
        matrix = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(queries), n_terms), dtype=np.float64
        )
        matrix.sum_duplicates()
        return matrix

    @property
    def postings(self) -> sp.csr_matrix:
        if self._postings is None:
            self._postings = self.weights.T.tocsr()
        return self._postings

    def scores(self, queries: sp.csr_matrix) -> np.ndarray:
        """Dense queries x docs BM25 scores: rank-bm25's get_scores for each query row."""
        return (queries @ self.postings).toarray()

    def top_k(
        self,
        queries: sp.csr_matrix,
        k: int,
        exclude: np.ndarray | None = None,
        alive: np.ndarray | None = None,
        batch: int = 256,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each query's k best documents (score desc, then doc asc) and their scores.

        exclude[i] is a document query i must not return (itself), or -1; documents with
        alive False are never returned; only documents sharing a term are candidates, so a
        row may end in -1 / -inf padding.
        """
        n_queries = queries.shape[0]
        ids = np.full((n_queries, k), -1, dtype=np.int64)
        best = np.full((n_queries, k), -np.inf)
        postings = self.postings
        for start in range(0, n_queries, batch):
            product = (queries[start : start + batch] @ postings).tocsr()
            for row in range(product.shape[0]):
                lo, hi = product.indptr[row], product.indptr[row + 1]
                docs, values = product.indices[lo:hi], product.data[lo:hi]
                keep = values > 0
                if alive is not None:
                    keep &= alive[docs]
                if exclude is not None:
                    keep &= docs != exclude[start + row]
                docs, values = docs[keep], values[keep]
                order = _best(docs, values, k)
                ids[start + row, : len(order)] = docs[order]
                best[start + row, : len(order)] = values[order]
        return ids, best

    def pair_scores(
        self, queries: sp.csr_matrix, query_rows: np.ndarray, docs: np.ndarray
    ) -> np.ndarray:
        """score(queries[query_rows[i]], docs[i]) for each pair: re-ranking without a product.

        A few queries at a time are spread into a dense (queries x terms) table, and each
        document weight picks its query's weight for the same term from it.
        """
        queries = queries.tocsr()
        queries.sum_duplicates()
        query_rows = np.asarray(query_rows)
        docs = np.asarray(docs)
        n_queries, n_terms = queries.shape
        scores = np.zeros(len(docs))
        step = max(1, PAIR_TABLE_CELLS // max(n_terms, 1))
        table = np.zeros((min(step, n_queries), n_terms))
        order = np.argsort(query_rows, kind="stable")
        bounds = np.searchsorted(query_rows[order], np.arange(0, n_queries + step, step))
        for number, start in enumerate(range(0, n_queries, step)):
            pairs = order[bounds[number] : bounds[number + 1]]
            if not len(pairs):
                continue
            block = queries[start : start + step]
            block_rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
            table[block_rows, block.indices] = block.data
            chosen = self.weights[docs[pairs]]
            per_doc = np.diff(chosen.indptr)
            owner = np.repeat(query_rows[pairs] - start, per_doc)
            products = chosen.data * table[owner, chosen.indices]
            pair_of = np.repeat(np.arange(len(pairs)), per_doc)
            scores[pairs] = np.bincount(pair_of, weights=products, minlength=len(pairs))
            table[block_rows, block.indices] = 0.0
        return scores


def _best(docs: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best (value desc, doc asc); argpartition first, then a small sort."""
    if len(values) > k:
        cut = np.argpartition(-values, k - 1)[:k]
        threshold = values[cut].min()
        # Ties at the threshold: take every tied document so the doc-id order decides.
        cut = np.flatnonzero(values >= threshold)
    else:
        cut = np.arange(len(values))
    order = np.lexsort((docs[cut], -values[cut]))[:k]
    return cut[order]
