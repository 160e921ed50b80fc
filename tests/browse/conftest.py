"""Real arXiv records for the browsing tests, loaded through the ingestion command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import ARXIV_FIXTURES

SAMPLE = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"
ABS_DIR = ARXIV_FIXTURES / "abs" / "ftp"
DEMO = (
    Path(__file__).resolve().parents[2]
    / "coolpapers"
    / "ingestion"
    / "demo"
    / "arxiv-demo.jsonl.gz"
)

# What the sample holds (66 real lines of the daily-arXiv corpus).
SAMPLE_BUSY_DAY = date(2025, 3, 18)  # cs.CV has 50 papers that day: two pages
SAMPLE_SMALL_CV_DAY = date(2025, 3, 25)  # the next cs.CV day: 4 papers
SAMPLE_LATEST_CV_DAY = date(2025, 11, 5)  # cs.CV's last day in the sample: 1 paper


def ingest(path: Path) -> None:
    call_command("ingest_arxiv", str(path), verbosity=0)


@pytest.fixture
def sample_papers(db) -> None:
    ingest(SAMPLE)


@pytest.fixture
def abs_papers(db) -> None:
    """arXiv .abs records: versions with dates, DOIs, journal refs, old-style ids."""
    ingest(ABS_DIR)


@pytest.fixture(autouse=True)
def _own_cache(settings, request) -> None:
    """The star rate limit lives in the cache: every test gets a fresh local one (never a
    shared Redis, which CI also uses as the Celery broker)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"browse-test-{request.node.nodeid}",
        }
    }
