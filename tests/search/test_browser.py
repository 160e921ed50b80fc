"""Headless Chromium on the search page: the notice of a corrected query and its "search
instead" link, the empty state's suggestion, and the notice of partial matches, used with
the keyboard alone, under a strict CSP (any console error fails a test)."""

from __future__ import annotations

import pytest

from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def indexed(index) -> None:
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)


def tab_to(page, selector: str) -> None:
    """Press Tab until the element is focused, as a keyboard user reaches it."""
    target = page.locator(selector)
    for _ in range(60):
        page.keyboard.press("Tab")
        if target.evaluate("node => node === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def shown_count(page) -> int:
    return int(page.locator(".list-summary .counts").inner_text().split()[0])


def test_a_correction_and_its_way_back_to_the_words_as_typed(page, indexed):
    page.goto("/arxiv/search?q=gaussian+splating")
    notice = page.locator(".search-corrected")
    assert notice.inner_text() == (
        "Showing results for gaussian splatting; search instead for gaussian splating"
    )
    assert page.locator("article.paper").count() == shown_count(page) >= 5

    tab_to(page, ".search-corrected a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/arxiv/search?q=gaussian+splating&exact=1")
    assert page.locator(".search-corrected").count() == 0
    # Only "gaussian" is found: papers with some of the words, and the correction offered.
    assert page.locator(".search-partial").count() == 1
    assert page.locator(".search-suggested").inner_text() == "Did you mean gaussian splatting?"

    tab_to(page, ".search-suggested a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/arxiv/search?q=gaussian+splatting&exact=1")
    assert page.locator("article.paper").count() == shown_count(page) >= 5


def test_partial_matches_are_announced(page, indexed):
    page.goto("/arxiv/search?q=gaussian+splatting+xyzzyplugh")
    assert page.locator(".search-partial").inner_text() == (
        "No paper has all of gaussian, splatting and xyzzyplugh; showing papers with most of them."
    )
    assert page.locator("article.paper").count() == shown_count(page) >= 5
