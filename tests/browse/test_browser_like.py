"""Headless Chromium: the browser keeps the last papers read (localStorage
"coolpapers:liked") and, when the list says the site runs in semantic mode, sends them with
the ❤ sort (like=), whose order is then by cosine to those papers. Strict CSP; any console
error fails a test."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from coolpapers.browse import listing
from coolpapers.interests.like import like_order
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from coolpapers.semantic import services
from tests.browse.test_browser import paper_ids

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2025, 3, 18)
LIST = f"/arxiv/cs.CV?date={DAY.isoformat()}"


@pytest.fixture
def day_ids(papers) -> list[str]:
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    return listing.day_ids(parse_spec("cs.CV"), DAY)


def stored_liked(page) -> list[str]:
    return page.evaluate("JSON.parse(localStorage.getItem('coolpapers:liked') || '[]')")


def prefer_query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.get_attribute("a.prefer-link", "href")).query)


@pytest.mark.semantic
def test_papers_read_go_with_the_prefer_sort_and_order_it(page, day_ids, settings):
    settings.SEMANTIC = "auto"
    assert services.embed_papers(day_ids) == len(day_ids)
    opened, pdf_clicked = day_ids[30], day_ids[7]

    page.goto(LIST)
    assert page.get_attribute("a.prefer-link", "data-semantic") == "1"
    # Nothing read, no keywords (none computed): the ❤ link asks for interests.
    assert page.get_attribute("a.prefer-link", "href") == "/interests"

    page.goto(f"/arxiv/{opened}")
    assert stored_liked(page) == [opened]
    page.goto(LIST)
    assert prefer_query(page) == {"date": [DAY.isoformat()], "sort": ["prefer"], "like": [opened]}
    page.click("a.prefer-link")
    page.wait_for_url(re.compile(r"sort=prefer"))
    expected = like_order(day_ids, [opened])
    assert expected[0] == opened and expected[:25] != day_ids[:25]
    assert paper_ids(page)[:25] == expected[:25]
    assert page.get_attribute("a.prefer-link", "aria-current") == "true"
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lazy loading keeps it
    page.wait_for_selector(".end-of-list")
    assert paper_ids(page) == expected

    # A [PDF] click is remembered too, newest first.
    with page.expect_popup() as popup:
        page.click(f"article[data-arxiv-id='{pdf_clicked}'] a.action-pdf")
    popup.value.close()
    assert stored_liked(page) == [pdf_clicked, opened]
    assert prefer_query(page)["like"] == [f"{pdf_clicked},{opened}"]

    page.goto("/interests")
    assert f"{pdf_clicked}, {opened}" in page.inner_text(".liked-current")
    assert "nearest in meaning" in page.inner_text(".liked-note")
    page.click("button.clear-interests")
    assert stored_liked(page) == []
    assert "No papers read yet" in page.inner_text(".liked-current")
    page.goto(LIST)
    assert page.get_attribute("a.prefer-link", "href") == "/interests"


@pytest.mark.semantic
def test_the_last_20_papers_are_kept(page, day_ids, settings):
    settings.SEMANTIC = "auto"
    page.goto(LIST)
    for pid in day_ids[:22]:
        with page.expect_popup() as popup:
            page.click(f"article[data-arxiv-id='{pid}'] a.action-pdf")
        popup.value.close()
    with page.expect_popup() as popup:  # read again: moves to the front, not kept twice
        page.click(f"article[data-arxiv-id='{day_ids[10]}'] a.action-pdf")
    popup.value.close()
    newest = [day_ids[10], *reversed(day_ids[11:22]), *reversed(day_ids[2:10])]
    assert stored_liked(page) == newest and len(newest) == 20
    assert prefer_query(page)["like"] == [",".join(newest)]


def test_in_bm25_mode_the_link_sends_keywords_only(page, day_ids, settings):
    settings.SEMANTIC = "off"
    page.goto(f"/arxiv/{day_ids[0]}")
    assert stored_liked(page) == [day_ids[0]]  # kept all the same, for when it is on
    page.goto(LIST)
    assert page.get_attribute("a.prefer-link", "data-semantic") is None
    assert page.get_attribute("a.prefer-link", "href") == "/interests"
    page.goto("/interests")
    page.fill("#prefer-keywords", "segmentation")
    assert "this site uses your keywords alone" in page.inner_text(".liked-note")
    page.goto(LIST)
    assert prefer_query(page) == {
        "date": [DAY.isoformat()],
        "sort": ["prefer"],
        "kw": ["segmentation"],
    }
