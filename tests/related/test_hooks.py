"""The re-ranking hook: related lists come from the registered reranker (semantic mode's,
registered by its app), BM25 alone without one; related never imports semantic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from coolpapers.papers.models import Paper
from coolpapers.related import hooks, services
from coolpapers.related.corpus import CorpusModel, PaperResult, PaperText
from coolpapers.related.models import PaperKeywords
from coolpapers.semantic.services import SemanticReranker


class Reversed:
    """Each BM25 list backwards, and every paper it was asked to prepare."""

    def __init__(self) -> None:
        self.prepared: list[str] = []

    def prepare(self, ids: Sequence[str]) -> None:
        self.prepared.extend(ids)

    def relate(
        self, model: CorpusModel, papers: Sequence[PaperText]
    ) -> list[tuple[PaperResult, str]]:
        return [(replace(r, related=r.related[::-1]), "reversed") for r in model.compute(papers)]


def test_semantic_registers_its_reranker_when_the_apps_load():
    assert [type(r) for r in hooks.rerankers] == [SemanticReranker]


@pytest.mark.django_db
def test_lists_are_bm25_without_a_reranker_and_the_reranker_s_with_one(
    papers, model_dir, monkeypatch
):
    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True)[:20])
    monkeypatch.setattr(hooks, "rerankers", [])
    services.compute_papers(ids)
    assert set(PaperKeywords.objects.values_list("signals", flat=True)) == {"bm25"}
    bm25 = services.related_scores(ids[0])

    reranker = Reversed()
    hooks.register_reranker(reranker)
    hooks.register_reranker(reranker)  # once only
    assert hooks.rerankers == [reranker]
    services.update_papers(ids)
    assert reranker.prepared == ids
    assert set(PaperKeywords.objects.values_list("signals", flat=True)) == {"reversed"}
    assert [pid for pid, _ in services.related_scores(ids[0])] == [pid for pid, _ in bm25][::-1]
