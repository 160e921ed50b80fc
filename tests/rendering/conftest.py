"""Fixtures of the rendering tests: real math-heavy arXiv records, an isolated cache, and
headless Chromium as tests/browse drives it (strict CSP, any console error fails the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

# 64 real records with the most formulas in the demo corpus
# (coolpapers/ingestion/demo/arxiv-demo.jsonl.gz), all moved to one announcement day so that
# they form one daily list of three chunks. See fixtures/SOURCES.md.
MATH_PAPERS = Path(__file__).parent / "fixtures" / "math_papers.jsonl"
MATH_DAY = "2026-08-18"


@pytest.fixture(autouse=True)
def _own_cache(settings, request) -> None:
    """Rendered HTML is cached: every test starts from an empty local cache of its own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"rendering-test-{request.node.nodeid}",
        }
    }
