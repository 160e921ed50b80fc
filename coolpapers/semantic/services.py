"""Semantic mode between the database, the encoder, the hybrid and the related-papers app.

mode()                  "semantic" or "bm25", and why (for /healthz and the admin)
embed_papers(ids)       embeddings of those of these papers without a current one
                        (encode_papers(ids): the same, computed but not stored yet)
relate(model, papers)   related lists: hybrid in semantic mode, BM25 alone otherwise
                        (SemanticReranker: both, as related's hook)
given_vectors(ids)      the embeddings of these papers (NothingToCompare: none has one)
nearest_to(given, pool) the papers of `pool` nearest to the mean of those embeddings
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from coolpapers.papers.models import Paper
from coolpapers.related.corpus import CorpusModel, PaperResult, PaperText
from coolpapers.semantic import encoder, hybrid, store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mode:
    name: str  # "semantic" or "bm25"
    detail: str
    model: str = ""
    embedded: int = 0
    papers: int = 0

    @property
    def semantic(self) -> bool:
        return self.name == "semantic"


def mode(count: bool = True) -> Mode:
    """Which mode the site runs in; with `count`, how many papers have embeddings."""
    if not encoder.available():
        why = (
            "SEMANTIC=off"
            if settings.SEMANTIC.lower() == "off"
            else "the semantic extra is not installed"
        )
        return Mode("bm25", f"BM25 only ({why})")
    embedded, papers = store.coverage() if count else (0, 0)
    detail = f"BM25 + embeddings ({encoder.model_key()})"
    if count:
        detail += f", {embedded:,} of {papers:,} papers embedded"
    return Mode("semantic", detail, encoder.model_key(), embedded, papers)


def encode_papers(ids: Sequence[str]) -> tuple[list[str], list[str], np.ndarray]:
    """Ids, content hashes and new vectors of those of these papers that lack a current
    embedding (nothing stored yet: callers keep the slow encoding out of transactions)."""
    if not encoder.available():
        return [], [], np.zeros((0, 0), dtype=np.float16)
    stale = store.stale_ids(ids)
    if not stale:
        return [], [], np.zeros((0, 0), dtype=np.float16)
    rows = list(
        Paper.objects.filter(pk__in=stale).values_list("pk", "title", "abstract", "content_hash")
    )
    vectors = encoder.encode(
        [encoder.paper_text(title, abstract) for _, title, abstract, _ in rows]
    )
    return [r[0] for r in rows], [r[3] for r in rows], vectors


def embed_papers(ids: Sequence[str]) -> int:
    """Embed those of these papers that lack a current embedding; returns how many."""
    found, hashes, vectors = encode_papers(ids)
    if found:
        store.save(found, hashes, vectors)
    return len(found)


def relate(model: CorpusModel, papers: Sequence[PaperText]) -> list[tuple[PaperResult, str]]:
    """Each paper's keywords and related list, with the signals that ordered the list."""
    if not encoder.available():
        return [(result, hybrid.SIGNALS_BM25) for result in model.compute(papers)]
    return hybrid.related(model, store.matrix(), papers)


class SemanticReranker:
    """Semantic mode's hook into related lists (registered in SemanticConfig.ready())."""

    def prepare(self, ids: Sequence[str]) -> None:
        try:
            embed_papers(ids)
        except encoder.SemanticUnavailable as error:  # a bad SEMANTIC_MODEL: lists stay BM25
            logger.error("related: papers not embedded: %s", error)

    def relate(
        self, model: CorpusModel, papers: Sequence[PaperText]
    ) -> list[tuple[PaperResult, str]]:
        return relate(model, papers)


class NothingToCompare(ValueError):
    """None of the given papers has an embedding; the message says so."""


def given_vectors(ids: Sequence[str]) -> dict[str, np.ndarray]:
    """The current embeddings of these papers; NothingToCompare when none has one."""
    given = store.vectors_for(ids)
    if not given:
        raise NothingToCompare(
            "none of these papers has an embedding yet: "
            + ", ".join(list(ids)[:5])
            + (" ..." if len(ids) > 5 else "")
        )
    return given


def nearest_to(
    given: dict[str, np.ndarray], pool: Sequence[str], limit: int
) -> list[tuple[str, float]]:
    """Papers of `pool` (not in `given`) by cosine to the mean of the `given` vectors.

    Reads only the embeddings of `pool` from the database, so a web process never holds the
    corpus's matrix.
    """
    centre = np.mean(list(given.values()), axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    candidates = store.vectors_for(pid for pid in pool if pid not in given)
    if not candidates:
        return []
    names = list(candidates)
    cosines = np.stack([candidates[pid] for pid in names]) @ centre
    order = sorted(range(len(names)), key=lambda i: (-cosines[i], names[i]))[:limit]
    return [(names[i], round(float(cosines[i]), 6)) for i in order]
