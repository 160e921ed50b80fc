"""Headless Chromium: Back and reload keep the reader's place on a daily list.

The list loads 25 papers at a time and rewrites the address to ?page=N; the server shows
pages 1..N for that address, and browse.js puts back the paper the reader opened (or was
at) where it was in the window, after MathJax has changed the heights above it. Both on a
laptop and a phone. Strict CSP; any console error fails a test (tests/conftest.py's `page`).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from coolpapers.browse import listing
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from tests.axe import violations
from tests.browse.conftest import DEMO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo's busiest cs.CV day: 223 papers on 9 pages; formulas in a few of them.
DAY = date(2026, 8, 18)
LIST = f"/arxiv/cs.CV?date={DAY.isoformat()}"
VIEWPORTS = [{"width": 1366, "height": 900}, {"width": 390, "height": 844}]
SHOTS = Path("/tmp/h1-shots")
TYPESET = "() => !document.querySelector('#papers .tex.notranslate')"
TOLERANCE = 3  # px


@pytest.fixture
def day_papers() -> list[str]:
    """The demo papers; returns the ids of cs.CV on DAY in arXiv order."""
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    call_command("ingest_arxiv", str(DEMO), verbosity=0)
    return [paper.pk for paper in listing.day_papers(parse_spec("cs.CV"), DAY)]


def paper_ids(page) -> list[str]:
    return page.eval_on_selector_all("article.paper", "nodes => nodes.map(n => n.dataset.arxivId)")


def top(page, arxiv_id: str) -> float:
    return page.locator(f'article[id="{arxiv_id}"]').evaluate(
        "node => node.getBoundingClientRect().top"
    )


def scroll_until_loaded(page, papers: int) -> None:
    """Scroll down with the wheel, as a reader does, until `papers` papers are loaded."""
    for _ in range(200):
        if page.locator("article.paper").count() >= papers:
            return
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(50)
    raise AssertionError(f"fewer than {papers} papers ever loaded")


def bring(page, arxiv_id: str, offset: float) -> None:
    """Wheel until the paper's top is `offset` px below the window's top."""
    for _ in range(30):
        delta = top(page, arxiv_id) - offset
        if abs(delta) < 1:
            return
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(80)
    raise AssertionError("could not scroll the paper into place")


def settled(page, arxiv_id: str) -> float:
    """The paper's top once formulas are typeset and it stopped moving."""
    page.wait_for_function(TYPESET)
    last = None
    for _ in range(40):
        now = top(page, arxiv_id)
        if last is not None and abs(now - last) < 0.5:
            return now
        last = now
        page.wait_for_timeout(250)
    raise AssertionError("the paper never stopped moving")


def formulas_above(page, arxiv_id: str) -> int:
    """Typeset formulas in the papers above this one (their height changed after load)."""
    return page.locator(f'article[id="{arxiv_id}"]').evaluate(
        """node => Array.from(document.querySelectorAll("#papers article.paper"))
             .slice(0, Array.from(document.querySelectorAll("#papers article.paper")).indexOf(node))
             .reduce((n, paper) => n + paper.querySelectorAll("mjx-container").length, 0)"""
    )


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_back_from_a_paper_opened_in_chunk_3(page, day_papers, viewport):
    page.set_viewport_size(viewport)
    page.goto(LIST)
    scroll_until_loaded(page, 75)
    opened = day_papers[56]  # paper 57, in the third chunk
    offset = round(viewport["height"] * 0.35)
    bring(page, opened, offset)
    page.wait_for_function(TYPESET)
    bring(page, opened, offset)
    assert re.search(r"&page=3$", page.url)
    before = paper_ids(page)
    assert before == day_papers[: len(before)] and len(before) >= 75

    page.locator(f'article[id="{opened}"] .paper-title a').click()
    page.wait_for_url(f"**/arxiv/{opened}")
    page.go_back()
    page.wait_for_url(re.compile(r"&page=3$"))

    # The same papers above, the opened one where it was, formulas typeset above it.
    assert paper_ids(page)[:57] == day_papers[:57]
    assert abs(settled(page, opened) - offset) <= TOLERANCE
    assert formulas_above(page, opened) > 0
    name = f"back-{viewport['width']}"
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_reload_shows_the_list_from_the_top_down_to_where_the_reader_was(
    page, day_papers, viewport
):
    page.set_viewport_size(viewport)
    page.goto(LIST)
    scroll_until_loaded(page, 75)
    here = day_papers[60]
    offset = round(viewport["height"] * 0.2)
    bring(page, here, offset)
    page.wait_for_function(TYPESET)
    bring(page, here, offset)
    page.wait_for_timeout(400)  # the place is saved once scrolling stops

    page.reload()
    assert re.search(r"&page=3$", page.url)
    assert paper_ids(page) == day_papers[:75]  # from the top, no "earlier papers" link
    assert page.locator(".earlier-papers").count() == 0
    assert abs(settled(page, here) - offset) <= TOLERANCE
    assert formulas_above(page, here) > 0

    # The reader scrolling right after a reload wins: the place is not forced back.
    page.reload()
    page.wait_for_function(
        "([id, offset]) => Math.abs(document.getElementById(id).getBoundingClientRect().top"
        " - offset) < 2",
        arg=[here, offset],
    )
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(300)
    assert abs(settled(page, here) - (offset - 300)) <= 40


def test_a_list_with_nothing_to_restore_opens_at_the_top(page, day_papers):
    page.goto(f"{LIST}&page=3")
    assert paper_ids(page) == day_papers[:75]
    page.wait_for_function(TYPESET)
    assert page.evaluate("window.scrollY") == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_past_the_cap_a_control_says_where_the_list_starts(page, day_papers, scheme):
    page.emulate_media(color_scheme=scheme)
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        page.goto(f"{LIST}&page=9")
        assert paper_ids(page) == day_papers[25:]
        control = page.locator(".shown-from")
        expected = "From paper 26 of 223 \u2191 Show papers 1\u201325"
        assert " ".join(control.inner_text().split()) == expected
        assert control.is_visible()
        page.wait_for_function(TYPESET)
        assert violations(page) == []
        page.screenshot(path=str(SHOTS / f"cap-{viewport['width']}-{scheme}.png"))
    page.locator(".earlier-papers").click()
    page.wait_for_url(f"**{LIST}#page-1")
    assert paper_ids(page)[:25] == day_papers[:25]
