"""Related papers keep the reader's place as the daily lists do (tests/browse/test_place.py):
a whole page for `?page=N` shows the related papers from the first page down to N, up to
PAGES_AT_ONCE pages, in the queries of one page; past that (only with a smaller cap: a paper
keeps 20 related papers, two pages of ten) a control says where the page starts and links to
the papers before. The chunks htmx fetches stay one page each."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coolpapers.browse.related import CHUNK_SIZE, related_page, related_pages
from coolpapers.related.models import RelatedPaper
from tests.browse.test_views import Page
from tests.related.test_views import some_paper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ranked(related) -> tuple[str, list[str]]:
    """A paper with related papers, and their ids best first (from the stored ranks)."""
    paper = some_paper()
    links = RelatedPaper.objects.filter(paper=paper).order_by("rank")
    return paper.pk, list(links.values_list("related_id", flat=True))


def test_related_pages_cut_one_fetch_into_pages(ranked, django_assert_num_queries):
    arxiv_id, expected = ranked
    assert len(expected) == 2 * CHUNK_SIZE
    # the stored ranks, the papers, their categories
    with django_assert_num_queries(3):
        pages, count = related_pages(arxiv_id, range(1, 4))
    # Page 3 is past the end of the twenty: left out.
    assert count == 20 and [page.number for page in pages] == [1, 2]
    assert [e.paper.pk for page in pages for e in page.entries] == expected
    assert [page.first_number for page in pages] == [1, 11]
    assert [page.entries for page in pages] == [
        related_page(arxiv_id, n)[0].entries for n in (1, 2)
    ]


def test_page_2_shows_page_1_above_it(client, ranked):
    arxiv_id, expected = ranked
    url = f"/arxiv/{arxiv_id}/related"
    html = client.get(url, {"page": "2"}).content.decode()
    parsed = Page(html)
    assert parsed.papers == expected
    assert re.findall(r'id="page-(\d+)"', html) == ["1", "2"]
    assert "earlier-papers" not in parsed.links and "shown-range" not in html
    assert ">20.</span>" in html and "End of the list: 20 papers." in parsed.text
    assert parsed.sentinel is None
    first = Page(client.get(url).content.decode())
    assert first.papers == expected[:CHUNK_SIZE]
    assert first.sentinel["hx-get"] == f"{url}/chunk?page=2"
    assert first.sentinel["hx-replace-url"] == f"{url}?page=2"


def test_past_the_cap_a_control_links_to_the_papers_before(client, ranked, monkeypatch):
    import coolpapers.web.paging as paging

    monkeypatch.setattr(paging, "PAGES_AT_ONCE", 1)
    arxiv_id, expected = ranked
    url = f"/arxiv/{arxiv_id}/related"
    html = client.get(url, {"page": "2"}).content.decode()
    parsed = Page(html)
    assert parsed.papers == expected[CHUNK_SIZE:]
    assert ">11.</span>" in html and ">1.</span>" not in html
    assert "From paper 11 of 20" in parsed.text
    assert parsed.links["earlier-papers"] == f"{url}#page-1"
    assert "Show papers 1\u201310" in parsed.text
    assert html.index("earlier-papers") < html.index('id="papers"')


def test_chunks_stay_one_page(client, ranked):
    arxiv_id, expected = ranked
    chunk = client.get(f"/arxiv/{arxiv_id}/related/chunk", {"page": "2"}).content.decode()
    assert Page(chunk).papers == expected[CHUNK_SIZE:]
    assert 'data-page="1"' not in chunk


def queries(client, url: str, **params: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


def test_a_whole_block_costs_the_queries_of_one_page(client, ranked):
    url = f"/arxiv/{ranked[0]}/related"
    assert queries(client, url, page="2") == queries(client, url)


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("3", "page='3' is not a page of related papers (1 to 2)"),
        ("99999999999", "is not a page of related papers (1 to 2)"),
        ("9" * 40, "is not a page of related papers (1 to 2)"),
        ("0", "is not a page of related papers"),
    ],
)
def test_big_page_numbers_are_still_clear_errors(client, ranked, page, reason):
    for path in ("related", "related/chunk"):
        response = client.get(f"/arxiv/{ranked[0]}/{path}", {"page": page})
        assert response.status_code == 400
        assert reason in unescape(response.content.decode())
