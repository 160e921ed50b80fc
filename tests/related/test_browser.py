"""Headless Chromium: keywords counted in localStorage as the reader opens papers or clicks
[PDF]/[REL], the "My interests" word cloud and its clearing, and the ❤ sort of a daily list
from preference keywords or from the cloud. Strict CSP; any console error fails a test."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from coolpapers.browse import listing
from coolpapers.browse.models import Star
from coolpapers.interests.prefer import prefer_order
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from coolpapers.related.models import PaperKeywords
from tests.browse.test_browser import paper_ids

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2025, 3, 18)
LIST = f"/arxiv/cs.CV?date={DAY.isoformat()}"


@pytest.fixture
def taxonomy() -> None:
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)


@pytest.fixture
def day_ids(taxonomy, related) -> list[str]:
    return [p.pk for p in listing.day_papers(parse_spec("cs.CV"), DAY)]


def stored_counts(page) -> dict[str, int]:
    return page.evaluate("JSON.parse(localStorage.getItem('coolpapers:interests') || '{}')")


def cloud(page) -> dict[str, int]:
    return dict(
        page.eval_on_selector_all(
            "#word-cloud a.cloud-word", "nodes => nodes.map(n => [n.textContent, +n.dataset.count])"
        )
    )


def keywords(pid: str) -> list[str]:
    return PaperKeywords.objects.get(paper_id=pid).keywords


def test_reading_fills_the_word_cloud_and_clearing_empties_it(page, day_ids):
    opened, rel_clicked, pdf_clicked = day_ids[0], day_ids[1], day_ids[2]
    page.goto(f"/arxiv/{opened}")
    # The section loads when the reader scrolls to it (below the paper and its FAQ).
    page.locator("#related").scroll_into_view_if_needed()
    page.wait_for_selector("#related article.paper")
    assert stored_counts(page) == {k: 1 for k in keywords(opened)}

    page.goto(LIST)
    with page.expect_popup() as popup:
        page.click(f"article[data-arxiv-id='{pdf_clicked}'] a.action-pdf")
    popup.value.close()
    with page.expect_navigation(url=re.compile(rf"/arxiv/{re.escape(rel_clicked)}/related$")):
        page.click(f"article[data-arxiv-id='{rel_clicked}'] a.action-rel")
    assert page.locator("article.paper").count() == 10

    expected: dict[str, int] = {}
    for pid in (opened, rel_clicked, pdf_clicked):
        for word in keywords(pid):
            expected[word] = expected.get(word, 0) + 1
    assert stored_counts(page) == expected
    # [REL] counts a star like [PDF] does (the POST outlives the navigation).
    for _ in range(50):
        if Star.objects.filter(paper_id=rel_clicked).exists():
            break
        page.wait_for_timeout(100)
    assert Star.objects.filter(paper_id=rel_clicked).count() == 1

    page.goto("/interests")
    assert cloud(page) == expected
    sizes = dict(
        page.eval_on_selector_all(
            "#word-cloud a.cloud-word",
            "nodes => nodes.map(n => [n.textContent, parseFloat(getComputedStyle(n).fontSize)])",
        )
    )
    top = max(expected, key=lambda w: (expected[w], w))
    rare = min(expected, key=lambda w: (expected[w], w))
    if expected[top] > expected[rare]:
        assert sizes[top] > sizes[rare]
    link = page.locator("#word-cloud a.cloud-word", has_text=rare).first
    assert parse_qs(urlsplit(link.get_attribute("href")).query) == {"q": [f'"{rare}"']}

    page.click("button.clear-interests")
    assert cloud(page) == {}
    assert "No interests yet" in page.inner_text(".cloud-status")
    assert stored_counts(page) == {}


def test_prefer_sort_uses_the_readers_keywords_then_the_cloud(page, day_ids):
    page.goto(LIST)
    assert paper_ids(page)[:25] == day_ids[:25]
    # Nothing known about the reader: the ❤ link asks for interests.
    prefer = page.locator("a.prefer-link")
    assert prefer.is_visible() and prefer.get_attribute("href") == "/interests"

    page.goto("/interests")
    page.fill("#prefer-keywords", "segmentation, 3D")
    assert "segmentation, 3D" in page.inner_text(".prefer-current")
    page.goto(LIST)
    page.click("a.prefer-link")
    page.wait_for_url(re.compile(r"sort=prefer"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["kw"] == ["segmentation,3D"]
    expected = prefer_order(day_ids, ["segmentation", "3d"])
    assert expected[:25] != day_ids[:25]
    assert paper_ids(page)[:25] == expected[:25]
    assert page.get_attribute("a.prefer-link", "aria-current") == "true"
    # Lazy loading keeps the order going.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_selector(".end-of-list")
    assert paper_ids(page) == expected

    # Without preference keywords the ❤ sort takes the 20 biggest words of the cloud.
    page.goto("/interests")
    page.fill("#prefer-keywords", "")
    page.evaluate(
        "localStorage.setItem('coolpapers:interests', JSON.stringify("
        "{'medical image': 5, 'segmentation': 3, 'rare word': 1}))"
    )
    page.goto(LIST)
    href = page.get_attribute("a.prefer-link", "href")
    assert parse_qs(urlsplit(href).query)["kw"] == ["medical image,segmentation,rare word"]
