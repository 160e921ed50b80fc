"""Where another app changes how related lists are computed, so related never imports it.

An app registers a Reranker in its AppConfig.ready() (semantic does: BM25 + embeddings);
with none registered every list is BM25 alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from coolpapers.related.corpus import CorpusModel, PaperResult, PaperText

SIGNALS_BM25 = "bm25"


class Reranker(Protocol):
    def prepare(self, ids: Sequence[str]) -> None:
        """Make what relate() needs for these new or changed papers (semantic: embeddings)."""

    def relate(
        self, model: CorpusModel, papers: Sequence[PaperText]
    ) -> list[tuple[PaperResult, str]]:
        """Each paper's keywords and related list, with the signals that ordered the list."""


rerankers: list[Reranker] = []


def register_reranker(reranker: Reranker) -> None:
    """Add `reranker`; the last one registered orders the lists."""
    if reranker not in rerankers:
        rerankers.append(reranker)


def prepare(ids: Sequence[str]) -> None:
    for reranker in rerankers:
        reranker.prepare(ids)


def relate(model: CorpusModel, papers: Sequence[PaperText]) -> list[tuple[PaperResult, str]]:
    """The registered reranker's lists, or BM25's when there is none."""
    if rerankers:
        return rerankers[-1].relate(model, papers)
    return [(result, SIGNALS_BM25) for result in model.compute(papers)]
