"""Embeddings in the database: read back as saved, stale after a change of the paper's text
or of the model, and each process's matrix reads only the rows computed since its last look."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from coolpapers.papers.models import Paper
from coolpapers.semantic import encoder, store
from coolpapers.semantic.models import PaperEmbedding
from tests.semantic.conftest import SPLATTING, UNRELATED, encode, record_text

pytestmark = [pytest.mark.semantic, pytest.mark.django_db]


def test_saved_vectors_read_back_within_float16_rounding(embedded):
    texts = list(
        Paper.objects.filter(pk__in=embedded[:5]).order_by("pk").values_list("title", "abstract")
    )
    expected = encode([encoder.paper_text(t, a) for t, a in texts]).astype(np.float32)
    found = store.vectors_for(embedded[:5])
    assert list(found) == embedded[:5]
    assert np.abs(np.stack(list(found.values())) - expected).max() < 1e-3
    row = PaperEmbedding.objects.get(pk=embedded[0])
    assert row.model == "all-MiniLM-L6-v2" and len(bytes(row.vector)) == 768
    assert row.content_hash == Paper.objects.get(pk=embedded[0]).content_hash


def test_saving_again_replaces_the_paper_s_row(sample):
    pid = sample[0]
    first, second = encode([record_text(SPLATTING[0]), record_text(UNRELATED)])
    store.save([pid], ["old-hash"], first[None])
    store.save([pid], ["new-hash"], second[None])
    row = PaperEmbedding.objects.get()
    assert row.content_hash == "new-hash"
    assert np.array_equal(store.from_bytes([row.vector])[0], second.astype(np.float32))


def test_every_paper_is_stale_before_it_is_embedded(sample, monkeypatch):
    monkeypatch.setattr(store, "CHUNK", 10)  # several queries for the 66 ids
    assert store.stale_ids() == sample
    assert store.stale_ids(reversed(sample[:25])) == sample[:25]
    assert store.stale_ids(["9999.99999"]) == []  # not a paper
    assert store.coverage() == (0, len(sample))
    assert store.vectors_for(sample) == {}


def test_a_changed_text_makes_the_embedding_stale(embedded):
    assert store.stale_ids() == [] and store.stale_ids(embedded) == []
    changed, kept = embedded[3], embedded[4]
    Paper.objects.filter(pk=changed).update(content_hash="changed")
    assert store.stale_ids() == [changed]
    assert store.stale_ids([changed, kept]) == [changed]
    assert list(store.vectors_for([changed, kept])) == [kept]
    # /healthz's cheap count still includes it until it is recomputed
    assert store.coverage() == (len(embedded), len(embedded))


def test_another_model_makes_every_embedding_stale(embedded, settings):
    settings.SEMANTIC_MODEL = "sentence-transformers/all-mpnet-base-v2"
    assert store.stale_ids() == embedded
    assert store.coverage() == (0, len(embedded))
    assert store.vectors_for(embedded) == {}
    settings.SEMANTIC_MODEL = ""
    assert store.stale_ids() == []


def test_the_matrix_reads_everything_once_then_only_rows_computed_since(embedded):
    PaperEmbedding.objects.filter(pk=embedded[-1]).delete()
    matrix = store.matrix()
    assert len(matrix) == len(embedded) - 1 and matrix.matrix.shape == (len(matrix), 384)
    stored = store.vectors_for(embedded[:-1])
    for pid in embedded[:-1]:
        assert np.array_equal(matrix.matrix[matrix.row_of[pid]], stored[pid])
        assert matrix.hashes[matrix.row_of[pid]] == Paper.objects.get(pk=pid).content_hash

    # A new paper's row is appended, a recomputed paper's row replaced in place.
    target, replacement = embedded[0], encode([record_text(UNRELATED)])
    store.save([embedded[-1], target], ["h-last", "h-target"], np.vstack([replacement] * 2))
    again = store.matrix()
    assert again is matrix and len(again) == len(embedded)
    assert again.row_of[target] == 0 and again.hashes[0] == "h-target"
    assert np.array_equal(again.matrix[0], replacement[0].astype(np.float32))
    assert again.row_of[embedded[-1]] == len(embedded) - 1

    # Rows computed long before the last look are not read again.
    old = timezone.now() - store.SYNC_SLACK - timedelta(minutes=1)
    PaperEmbedding.objects.filter(pk=embedded[1]).update(
        vector=store.to_bytes(replacement[0]), content_hash="old", computed_at=old
    )
    row = again.row_of[embedded[1]]
    assert store.matrix().hashes[row] != "old"
    store.forget()
    fresh = store.matrix()
    assert fresh.hashes[fresh.row_of[embedded[1]]] == "old"


def test_a_model_change_gives_a_new_matrix(embedded, settings):
    first = store.matrix()
    assert len(first) == len(embedded)
    settings.SEMANTIC_MODEL = "/srv/models/other-model"
    other = store.matrix()
    assert other is not first and other.model == "other-model" and len(other) == 0


def test_from_bytes_of_nothing_and_of_database_buffers():
    assert store.from_bytes([]).shape == (0, 0)
    vector = np.array([0.6, 0.8], dtype=np.float32)
    matrix = store.from_bytes([memoryview(store.to_bytes(vector))] * 2)  # as PostgreSQL gives
    assert matrix.shape == (2, 2) and np.allclose(matrix, vector, atol=1e-3)
