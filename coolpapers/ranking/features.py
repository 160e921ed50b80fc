"""Features of papers for the profiles' models, read from the related-papers corpus model.

A paper's features are its BM25 row (coolpapers.related: words, phrases, authors, comment
words; never categories) at unit length, plus its embedding in semantic mode. Papers the
model has no row for (not computed yet) have no features and are ranked last.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from coolpapers.ranking.learn import SEMANTIC_WEIGHT, unit_dense, unit_rows
from coolpapers.related.corpus import CorpusModel
from coolpapers.related.keywords import absorb
from coolpapers.related.tokens import analyze


def rows_of(model: CorpusModel, ids: Sequence[str]) -> tuple[list[int], list[int]]:
    """(positions in `ids` of the papers with a row, their rows)."""
    row_of = model.row_of
    found = [(i, row_of[pid]) for i, pid in enumerate(ids) if pid in row_of]
    return [i for i, _ in found], [r for _, r in found]


def unit_bm25(model: CorpusModel, rows: Sequence[int]) -> sp.csr_matrix:
    return unit_rows(model.index.weights[np.asarray(rows, dtype=np.int64)])


def embeddings(ids: Sequence[str], vectors: dict[str, np.ndarray]) -> np.ndarray | None:
    """Unit embeddings x SEMANTIC_WEIGHT of `ids` (zeros where missing); None without any."""
    if not vectors:
        return None
    dim = len(next(iter(vectors.values())))
    out = np.zeros((len(ids), dim), dtype=np.float64)
    for i, pid in enumerate(ids):
        vector = vectors.get(pid)
        if vector is not None and len(vector) == dim:
            out[i] = vector
    return SEMANTIC_WEIGHT * unit_dense(out)


def parse_keywords(text: str) -> list[str]:
    """A collection's keywords field: comma, semicolon or newline separated."""
    parts = [" ".join(p.split()) for p in text.replace(";", ",").replace("\n", ",").split(",")]
    return [p for p in dict.fromkeys(parts) if p]


def keyword_query(model: CorpusModel, keywords: Sequence[str]) -> sp.csr_matrix:
    """A 1 x terms row: each keyword's words, and its two-word phrases the model knows.

    As a BM25 query (each term once), w . x is the keywords' BM25 score of a paper's unit row.
    """
    columns: set[int] = set()
    vocabulary = model.vocabulary
    for keyword in keywords:
        analysis = analyze(keyword, "")
        for term in [*analysis.words, *analysis.phrases]:
            column = vocabulary.get(term)
            if column is not None:
                columns.add(column)
    ordered = sorted(columns)
    return sp.csr_matrix(
        (np.ones(len(ordered)), (np.zeros(len(ordered), dtype=np.int64), ordered)),
        shape=(1, len(model.terms)),
    )


def readable_columns(model: CorpusModel) -> np.ndarray:
    """Columns shown as "why" words: words and phrases (no authors "@", comments "#"),
    known to at least two papers, not boilerplate and not surnames."""
    cached = getattr(model, "_ranking_readable", None)
    if cached is not None and len(cached) == len(model.terms):
        return cached
    n_text = model.n_words + model.n_phrases
    readable = np.zeros(len(model.terms), dtype=bool)
    readable[:n_text] = True
    readable &= model.df >= 2
    readable &= ~(model.boilerplate | model.surnames)
    model._ranking_readable = readable  # type: ignore[attr-defined]
    return readable


def words_of(model: CorpusModel, columns: Sequence[int], n: int) -> list[str]:
    """Terms of the columns, best first; a phrase absorbs its words, n at most."""
    chosen: list[str] = []
    for column in columns:
        term = model.terms[column]
        if term in chosen:
            continue
        chosen = absorb(chosen, term) or chosen
        if len(chosen) == n:
            break
    return chosen
