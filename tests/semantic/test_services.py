"""Semantic mode between the database, the model and the related-papers app: which mode the
site runs in, embedding what is stale, related lists ordered by both signals, and "more like
these" from stored embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from coolpapers.papers.models import Paper
from coolpapers.related import services as related_services
from coolpapers.related.corpus import CorpusModel
from coolpapers.related.models import PaperKeywords, RelatedPaper
from coolpapers.semantic import encoder, hybrid, services, store
from coolpapers.semantic.models import PaperEmbedding
from tests.semantic.conftest import DARK_MATTER, RECORDS, SPLATTING, encode

pytestmark = [pytest.mark.semantic, pytest.mark.django_db]


def like_these(ids, pool, limit: int) -> list[tuple[str, float]]:
    """More like these in its two steps, as the API and the ❤ sort call them."""
    return services.nearest_to(services.given_vectors(ids), pool, limit)


def test_mode_is_semantic_with_counts_or_bm25_saying_why(embedded, settings):
    PaperEmbedding.objects.filter(pk__in=embedded[:6]).delete()
    current = services.mode()
    assert current.semantic and current.name == "semantic"
    assert (current.model, current.embedded, current.papers) == ("all-MiniLM-L6-v2", 60, 66)
    assert current.detail == "BM25 + embeddings (all-MiniLM-L6-v2), 60 of 66 papers embedded"
    assert services.mode(count=False).embedded == 0
    settings.SEMANTIC = "off"
    off = services.mode()
    assert not off.semantic and off.name == "bm25" and off.detail == "BM25 only (SEMANTIC=off)"


def test_embed_papers_embeds_each_paper_s_own_text_once(sample):
    chosen = sample[10:15]
    assert services.embed_papers(chosen) == 5
    assert services.embed_papers(chosen) == 0  # all current
    assert PaperEmbedding.objects.count() == 5
    rows = Paper.objects.filter(pk__in=chosen).order_by("pk")
    expected = encode([encoder.paper_text(p.title, p.abstract) for p in rows])
    found = store.vectors_for(chosen)
    for paper, vector in zip(rows, expected, strict=True):
        assert np.abs(found[paper.pk] - vector.astype(np.float32)).max() < 1e-3
        assert PaperEmbedding.objects.get(pk=paper.pk).content_hash == paper.content_hash


def test_a_changed_paper_is_embedded_again_with_its_new_text(sample):
    pid = sample[0]
    services.embed_papers([pid])
    before = store.vectors_for([pid])[pid]
    dark = Paper.objects.get(pk=DARK_MATTER[0])
    Paper.objects.filter(pk=pid).update(abstract=dark.abstract, content_hash="v2")
    assert services.embed_papers(sample[:3]) == 3  # the changed one and two never embedded
    after = store.vectors_for([pid])[pid]
    assert PaperEmbedding.objects.get(pk=pid).content_hash == "v2"
    dark_vector = encode([encoder.paper_text(dark.title, dark.abstract)])[0].astype(np.float32)
    assert after @ dark_vector > before @ dark_vector + 0.2


def test_nothing_is_embedded_when_semantic_is_off(sample, settings):
    settings.SEMANTIC = "off"
    assert services.embed_papers(sample) == 0
    assert not PaperEmbedding.objects.exists()


def test_relate_is_bm25_alone_when_off_and_hybrid_for_embedded_papers(embedded, settings):
    papers = related_services.paper_texts(embedded)
    model = CorpusModel.build(papers)
    settings.SEMANTIC = "off"
    off = services.relate(model, papers)
    assert {s for _, s in off} == {hybrid.SIGNALS_BM25}
    assert [r.related for r, _ in off] == [r.related for r in model.compute(papers)]
    settings.SEMANTIC = "auto"
    PaperEmbedding.objects.filter(pk=embedded[0]).delete()
    on = services.relate(model, papers)
    assert [s for _, s in on] == [hybrid.SIGNALS_BM25] + [hybrid.SIGNALS_HYBRID] * 65
    assert on[0][0].related == off[0][0].related


def test_like_these_ranks_the_pool_by_cosine_to_the_given_papers(embedded):
    found = like_these([SPLATTING[0]], embedded, limit=5)
    assert len(found) == 5 and found[0][0] == SPLATTING[1]
    assert SPLATTING[0] not in [pid for pid, _ in found]
    assert [c for _, c in found] == sorted((c for _, c in found), reverse=True)
    vectors = store.vectors_for([SPLATTING[0], found[0][0]])
    assert found[0][1] == pytest.approx(
        float(vectors[SPLATTING[0]] @ vectors[found[0][0]]), abs=1e-5
    )
    # Two physics papers: the rest of the pool nearest to both is physics too.
    physics = like_these(DARK_MATTER, embedded, limit=2)
    assert {RECORDS[pid]["primary_category"] for pid, _ in physics} <= {
        "astro-ph.GA",
        "astro-ph.HE",
        "hep-ph",
    }
    assert like_these([SPLATTING[0]], [], limit=5) == []


def test_like_these_skips_pool_papers_without_a_current_embedding(embedded):
    Paper.objects.filter(pk=SPLATTING[1]).update(content_hash="changed since")
    found = [pid for pid, _ in like_these([SPLATTING[0]], embedded, limit=70)]
    assert SPLATTING[1] not in found and len(found) == len(embedded) - 2


def test_like_these_without_any_embedding_says_which_papers(sample):
    with pytest.raises(services.NothingToCompare, match=r"yet: 2503\.11979, 2503\.12001$"):
        like_these(SPLATTING, sample, limit=5)
    with pytest.raises(services.NothingToCompare, match=r" \.\.\.$"):
        like_these(sample[:6], sample, limit=5)


@pytest.fixture
def model_dir(settings, tmp_path):
    settings.RELATED_MODEL_DIR = str(tmp_path / "related")


def test_stored_related_lists_say_which_signals_ordered_them(embedded, model_dir):
    PaperEmbedding.objects.filter(pk=embedded[0]).delete()
    assert related_services.compute_papers(embedded) == 66
    signals = dict(PaperKeywords.objects.values_list("paper_id", "signals"))
    assert signals.pop(embedded[0]) == "bm25"
    assert set(signals.values()) == {"bm25+embedding"}
    first = RelatedPaper.objects.get(paper_id=SPLATTING[0], rank=1)
    assert first.related_id == SPLATTING[1]


def test_an_ingested_change_is_embedded_before_its_list_is_computed(embedded, model_dir):
    related_services.compute_papers(embedded)
    pid = embedded[20]
    Paper.objects.filter(pk=pid).update(content_hash="v2")
    related_services.update_papers([pid])
    assert PaperEmbedding.objects.get(pk=pid).content_hash == "v2"
    state = PaperKeywords.objects.get(pk=pid)
    assert (state.content_hash, state.signals) == ("v2", "bm25+embedding")


def test_update_papers_embeds_nothing_when_semantic_is_off(sample, model_dir, settings):
    settings.SEMANTIC = "off"
    related_services.update_papers(sample[:5])
    assert not PaperEmbedding.objects.exists()
    assert set(PaperKeywords.objects.values_list("signals", flat=True)) == {"bm25"}


def test_update_papers_keeps_bm25_lists_when_the_model_cannot_load(
    sample, model_dir, settings, tmp_path, caplog
):
    settings.SEMANTIC_MODEL = str(tmp_path / "no-such-model")
    related_services.update_papers(sample[:5])
    assert not PaperEmbedding.objects.exists()
    assert set(
        PaperKeywords.objects.filter(paper_id__in=sample[:5]).values_list("signals", flat=True)
    ) == {"bm25"}
    assert "no-such-model" in caplog.text
