"""The reader-independent parts of paper cards ({% paper_fragment %}) are rendered once and then
read from the fragment cache, and never show a paper as it was before a change, in another
language, or with another search's highlights."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches

from coolpapers.papers.models import Paper
from tests.browse.conftest import SAMPLE_BUSY_DAY

BUSY = {"date": SAMPLE_BUSY_DAY.isoformat()}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


@pytest.fixture(autouse=True)
def _fragments(settings, request) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "template_fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"fragments-{request.node.nodeid}",
        },
    }


def cards(html: str) -> dict[str, str]:
    """Each card's HTML by arXiv id."""
    found = re.findall(r'(<article class="paper[^"]*" id="([^"]+)".*?</article>)', html, re.S)
    return {arxiv_id: card for card, arxiv_id in found}


def fragments() -> int:
    return len(caches["template_fragments"]._cache)


def test_a_second_render_reads_the_cards_and_shows_the_same(client, sample_papers):
    first = client.get("/arxiv/cs.CV", BUSY).content.decode()
    stored = fragments()
    assert stored == 2 * 25  # facts and links of each card on the page
    again = client.get("/arxiv/cs.CV", BUSY).content.decode()
    assert fragments() == stored
    assert cards(again) == cards(first) and len(cards(first)) == 25


def test_a_changed_paper_shows_its_change_at_once(client, sample_papers):
    html = client.get("/arxiv/cs.CV", BUSY).content.decode()
    arxiv_id = next(iter(cards(html)))
    paper = Paper.objects.get(pk=arxiv_id)
    paper.abstract = "A corrected abstract, as a new version would bring."
    paper.comments = "12 pages, v2"
    paper.save()
    card = cards(client.get("/arxiv/cs.CV", BUSY).content.decode())[arxiv_id]
    assert "A corrected abstract, as a new version would bring." in card
    assert "12 pages, v2" in card


def test_each_language_gets_its_own_cards(client, sample_papers):
    english = cards(client.get("/arxiv/cs.CV", BUSY).content.decode())
    chinese = cards(client.get("/arxiv/cs.CV", BUSY, **ZH).content.decode())
    arxiv_id, card = next(iter(chinese.items()))
    assert "2025年3月" in card and "Mar 2025" in english[arxiv_id]
    assert "Mar 2025" not in card


def abstract(card: str) -> str:
    return re.search(r'<div class="abstract"[^>]*>(.*?)</div>', card, re.S).group(1)


def test_search_highlights_are_not_shown_on_lists(client, index):
    listed = cards(client.get("/arxiv/cs.CV", BUSY).content.decode())
    found = cards(client.get("/arxiv/search", {"q": "image"}).content.decode())
    highlighted = [i for i, card in found.items() if "<mark" in abstract(card) and i in listed]
    assert highlighted, "the search highlights some listed paper's abstract"
    again = cards(client.get("/arxiv/cs.CV", BUSY).content.decode())
    for arxiv_id in highlighted:
        assert "<mark" not in again[arxiv_id]
        assert again[arxiv_id] == listed[arxiv_id]
