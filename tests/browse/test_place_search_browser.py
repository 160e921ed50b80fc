"""Headless Chromium: reload keeps the reader's place on search results, as on a daily list
(test_place_browser.py), and past the cap the control above search results and related
papers says where they start.

The results load 25 at a time and rewrite the address to ?page=N; the server shows pages
1..N for that address, and browse.js puts back the paper the reader was at where it was in
the window. Strict CSP; any console error fails a test (tests/conftest.py's `page`).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from coolpapers.related.models import RelatedPaper
from tests.axe import violations
from tests.browse.test_place_browser import (
    TOLERANCE,
    TYPESET,
    VIEWPORTS,
    bring,
    paper_ids,
    scroll_until_loaded,
    settled,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERYTHING = "announced:1900..2100"  # every fixture paper (75): three pages of results
RESULTS = f"/arxiv/search?{urlencode({'q': EVERYTHING})}"
SHOTS = Path("/tmp/h7-shots")


@pytest.fixture
def results(index, client) -> list[str]:
    """The fixture papers indexed; returns the search's results in order (from the API)."""
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    body = client.get("/api/search", {"q": EVERYTHING, "page_size": 100}).json()
    return [hit["id"] for hit in body["results"]]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_reload_shows_the_results_from_the_top_down_to_where_the_reader_was(
    page, results, viewport
):
    assert len(results) == 75
    page.set_viewport_size(viewport)
    page.goto(RESULTS)
    scroll_until_loaded(page, 75)
    here = results[60]  # paper 61, on the third page
    offset = round(viewport["height"] * 0.2)
    bring(page, here, offset)
    page.wait_for_function(TYPESET)
    bring(page, here, offset)
    page.wait_for_timeout(400)  # the place is saved once scrolling stops
    assert re.search(r"&page=3$", page.url)

    page.reload()
    assert re.search(r"&page=3$", page.url)
    assert paper_ids(page) == results  # from the top, no control above them
    assert page.locator(".earlier-papers").count() == 0
    assert page.locator("section.chunk").evaluate_all("s => s.map(n => n.id)") == [
        "page-1",
        "page-2",
        "page-3",
    ]
    assert abs(settled(page, here) - offset) <= TOLERANCE
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"search-reload-{viewport['width']}.png"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_past_the_cap_a_control_says_where_results_and_related_papers_start(
    page, results, related, monkeypatch, scheme
):
    import coolpapers.web.paging as paging

    monkeypatch.setattr(paging, "PAGES_AT_ONCE", 1)  # a paper keeps two pages of related ones
    arxiv_id = RelatedPaper.objects.order_by("paper_id").values_list("paper_id", flat=True)[0]
    pages = {
        "search": (f"{RESULTS}&page=3", "From paper 51 of 75 \u2191 Show papers 26\u201350"),
        "related": (
            f"/arxiv/{arxiv_id}/related?page=2",
            "From paper 11 of 20 \u2191 Show papers 1\u201310",
        ),
    }
    page.emulate_media(color_scheme=scheme)
    SHOTS.mkdir(exist_ok=True)
    for name, (url, expected) in pages.items():
        for viewport in VIEWPORTS:
            page.set_viewport_size(viewport)
            page.goto(url)
            control = page.locator(".shown-from")
            assert " ".join(control.inner_text().split()) == expected
            assert control.is_visible()
            page.wait_for_function(TYPESET)
            assert violations(page) == []
            page.screenshot(path=str(SHOTS / f"{name}-cap-{viewport['width']}-{scheme}.png"))
    page.locator(".earlier-papers").click()
    page.wait_for_url(f"**/arxiv/{arxiv_id}/related#page-1")
    assert len(paper_ids(page)) == 10
