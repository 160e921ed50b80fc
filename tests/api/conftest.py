"""Real arXiv records in the database and a real Whoosh index built from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from search.backends import get_backend
from tests.conftest import ARXIV_FIXTURES

SAMPLE = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"
ABS_DIR = ARXIV_FIXTURES / "abs" / "ftp"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Search results and rate-limit counters live in the cache: no test sees another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def papers(db, settings) -> None:
    """The daily-arXiv sample (announcement days, `$…$` math) and .abs records (versions,
    old-style ids), loaded through the ingestion command."""
    settings.SEARCH_AUTO_INDEX = "off"  # the index is rebuilt below, not through Celery
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    call_command("ingest_arxiv", str(ABS_DIR), verbosity=0)


@pytest.fixture
def index(papers, settings, tmp_path: Path) -> Iterator[None]:
    """A Whoosh index of those papers in a temporary directory, for this test only."""
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_BACKEND_OPTIONS = {"path": str(tmp_path / "index")}
    get_backend.cache_clear()
    call_command("rebuild_index", verbosity=0)
    yield
    get_backend.cache_clear()
