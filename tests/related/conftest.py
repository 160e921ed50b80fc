"""Real arXiv records for the related-papers tests: the 66-paper corpus sample and the
2,722-paper demo corpus, as the model reads them."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from coolpapers.papers.taxonomy import ARCHIVES, CATEGORIES
from coolpapers.related.corpus import CorpusModel, PaperText
from tests.conftest import SAMPLE

DEMO = (
    Path(__file__).resolve().parents[2]
    / "coolpapers"
    / "ingestion"
    / "demo"
    / "arxiv-demo.jsonl.gz"
)


def read_papers(lines: Iterator[str]) -> list[PaperText]:
    papers = []
    for line in lines:
        record = json.loads(line)
        papers.append(
            PaperText(
                record["id"],
                record["title"],
                record["abstract"],
                record["authors"],
                record.get("comment") or "",
                content_hash=f"hash-{record['id']}",
            )
        )
    return papers


@pytest.fixture(scope="session")
def sample_papers() -> list[PaperText]:
    with SAMPLE.open(encoding="utf-8") as stream:
        return read_papers(stream)


@pytest.fixture(scope="session")
def demo_papers() -> list[PaperText]:
    with gzip.open(DEMO, "rt", encoding="utf-8") as stream:
        return read_papers(stream)


@pytest.fixture(scope="session")
def demo_model(demo_papers, demo_fields) -> CorpusModel:
    """Built once, with each paper's field as the site builds it (fields teach keywords the
    boilerplate); tests that add rows build their own."""
    return CorpusModel.build(demo_papers, fields=demo_fields)


def field_of(category: str) -> str:
    """The subject group of a category, as services.build_model reads it from the database."""
    archive = {c.code: c.archive for c in CATEGORIES}[category]
    return {a.code: a.group for a in ARCHIVES}[archive]


@pytest.fixture(scope="session")
def demo_fields() -> dict[str, str]:
    """Field (subject group of the primary category) of each demo paper."""
    with gzip.open(DEMO, "rt", encoding="utf-8") as stream:
        return {r["id"]: field_of(r["primary_category"]) for r in map(json.loads, stream)}


@pytest.fixture
def model_dir(settings, tmp_path) -> Path:
    settings.RELATED_MODEL_DIR = str(tmp_path / "related")
    return tmp_path / "related"
