"""Semantic mode: a profile's model learns weights for the papers' embeddings (the bundled
MiniLM, offline) beside their BM25 rows, and ranking uses both."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coolpapers.library.models import Collection, Rating
from coolpapers.papers.models import Paper
from coolpapers.ranking import learn, profiles
from coolpapers.ranking.models import ProfileModel
from coolpapers.related import services
from coolpapers.semantic import encoder, store
from tests.conftest import SAMPLE

pytestmark = [pytest.mark.django_db, pytest.mark.semantic]


@pytest.fixture
def embedded(db, settings, tmp_path) -> list[str]:
    settings.SEMANTIC = "auto"
    settings.SEMANTIC_MODEL = ""
    settings.RELATED_AUTO = "off"
    settings.RELATED_MODEL_DIR = str(tmp_path / "related")
    store.forget()
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    rows = list(Paper.objects.order_by("pk").values_list("pk", "title", "abstract", "content_hash"))
    vectors = encoder.encode([encoder.paper_text(t, a) for _, t, a, _ in rows])
    store.save([r[0] for r in rows], [r[3] for r in rows], vectors)
    services.build_model()
    profiles._weights.clear()
    yield [r[0] for r in rows]
    store.forget()


def test_embeddings_are_features_in_semantic_mode(embedded):
    user = get_user_model().objects.create_user("s", "s@example.org", "pw-12345678")
    profile = Collection.objects.create(owner=user, name="Dark matter")
    Rating.objects.create(collection=profile, paper_id="2604.21976", value=Rating.UP)
    Rating.objects.create(collection=profile, paper_id="2503.11742", value=Rating.DOWN)
    result = profiles.train(profile.pk)
    assert result.trained
    stored = ProfileModel.objects.get(collection=profile)
    assert stored.semantic_model == encoder.model_key()
    dense = np.frombuffer(bytes(stored.dense), dtype=np.float32)
    assert len(dense) == 384 and np.any(dense)
    linear = learn.Linear.from_bytes(stored.indices, stored.values, stored.dense, 0.0)
    assert len(linear.dense) == 384
    candidates = [pid for pid in embedded if pid not in ("2604.21976", "2503.11742")]
    ranked = profiles.rank(profile, candidates, explain=1)
    assert ranked[0].arxiv_id == "2604.21954"  # the other dark-matter paper
    assert ranked[0].why.papers == ["2604.21976"]
