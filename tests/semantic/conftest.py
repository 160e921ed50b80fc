"""Semantic mode on real parts: the bundled all-MiniLM-L6-v2 (loaded once per process,
offline) embeds the real arXiv records of the corpus sample into the test database."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from django.core.management import call_command

from coolpapers.papers.models import Paper
from coolpapers.related import tasks as related_tasks
from coolpapers.semantic import encoder, store
from tests.conftest import SAMPLE

with SAMPLE.open(encoding="utf-8") as _stream:
    RECORDS = {record["id"]: record for record in map(json.loads, _stream)}

# Papers of the sample on the same topic, and one far from all of them.
SPLATTING = ["2503.11979", "2503.12001"]  # Gaussian-splatting SLAM / street scenes
VLM_SAFETY = ["2503.11742", "2503.11750"]  # safe vision-language models / jailbreaking them
DARK_MATTER = ["2604.21976", "2604.21954"]  # dark-matter cosmic rays / DEAP-3600 sensitivity
UNRELATED = "2503.12042"  # prosody of movie dubbing

_encoded: dict[str, np.ndarray] = {}  # text -> its float16 vector, computed once per session


def encode(texts: Sequence[str]) -> np.ndarray:
    """encoder.encode of these texts, each text encoded by the real model only once."""
    missing = list(dict.fromkeys(t for t in texts if t not in _encoded))
    if missing:
        _encoded.update(zip(missing, encoder.encode(missing), strict=True))
    return np.stack([_encoded[t] for t in texts])


def record_text(arxiv_id: str) -> str:
    record = RECORDS[arxiv_id]
    return encoder.paper_text(record["title"], record["abstract"])


@pytest.fixture(autouse=True)
def _semantic_mode(settings) -> Iterator[None]:
    """Semantic mode with the bundled model whatever the environment says, and no process
    matrix carried over from another test's database."""
    settings.SEMANTIC = "auto"
    settings.SEMANTIC_MODEL = ""
    store.forget()
    yield
    store.forget()


@pytest.fixture
def sample(db) -> list[str]:
    """The 66 papers of the daily-arXiv sample, ingested; their ids in order."""
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    return list(Paper.objects.order_by("pk").values_list("pk", flat=True))


@pytest.fixture
def embedded(sample) -> list[str]:
    """Every sample paper with a current embedding of its title and abstract."""
    rows = list(Paper.objects.order_by("pk").values_list("pk", "title", "abstract", "content_hash"))
    vectors = encode([encoder.paper_text(title, abstract) for _, title, abstract, _ in rows])
    store.save([r[0] for r in rows], [r[3] for r in rows], vectors)
    return [r[0] for r in rows]


@pytest.fixture
def relisted(monkeypatch) -> list[list[str]]:
    """Chunks of related lists a finished job queues (recorded instead of sent to a broker)."""
    queued: list[list[str]] = []
    monkeypatch.setattr(related_tasks, "dispatch_chunks", queued.extend)
    return queued
