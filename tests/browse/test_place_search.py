"""Search results keep the reader's place as the daily lists do (test_place.py): a whole page
for `?page=N` (the address the lazy loader writes) shows the results from the first page
down to N, up to PAGES_AT_ONCE pages, fetched from the engine in one slice; past that a
control says where the page starts and links to the results before. The chunks htmx fetches
stay one page each; the line before the partial matches comes once. Browser side:
test_place_search_browser.py."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coolpapers.browse.listing import PAGE_SIZE
from search.backends import get_backend
from tests.browse.test_views import Page

pytestmark = pytest.mark.django_db

EVERYTHING = "announced:1900..2100"  # every fixture paper (75): three pages
PARTIAL = "learning robot"  # 27 papers, 2 of them with both words: two pages


def api_ids(client, q: str) -> list[str]:
    """The results in order, from the API (one page of up to 100), not from the page."""
    body = client.get("/api/search", {"q": q, "page_size": 100}).json()
    assert body["count"] == len(body["results"])
    return [hit["id"] for hit in body["results"]]


def search(client, q: str, path: str = "/arxiv/search", **params: str):
    return client.get(path, {"q": q, **params})


def test_a_page_shows_the_pages_before_it(client, index):
    expected = api_ids(client, EVERYTHING)
    assert len(expected) == 3 * PAGE_SIZE
    query = urlencode({"q": EVERYTHING})
    for number in (1, 2, 3):
        html = search(client, EVERYTHING, page=str(number)).content.decode()
        parsed = Page(html)
        assert parsed.papers == expected[: number * PAGE_SIZE]
        assert re.findall(r'data-page="(\d+)"', html) == [str(n) for n in range(1, number + 1)]
        assert re.findall(r'id="page-(\d+)"', html) == [str(n) for n in range(1, number + 1)]
        # No control when the page starts at the first result; numbered through.
        assert "earlier-papers" not in parsed.links and "shown-range" not in html
        assert f">{number * PAGE_SIZE}.</span>" in html
        if number < 3:
            following = f"{query}&page={number + 1}"
            assert parsed.sentinel["hx-get"] == f"/arxiv/search/chunk?{following}"
            assert parsed.sentinel["hx-replace-url"] == f"/arxiv/search?{following}"
        else:
            assert parsed.sentinel is None and "End of the list: 75 papers." in parsed.text


def test_past_the_cap_a_control_links_to_the_results_before(client, index, monkeypatch):
    import coolpapers.web.paging as paging

    expected = api_ids(client, EVERYTHING)
    query = urlencode({"q": EVERYTHING})
    monkeypatch.setattr(paging, "PAGES_AT_ONCE", 2)
    response = search(client, EVERYTHING, page="3")
    html = response.content.decode()
    parsed = Page(html)
    assert parsed.papers == expected[PAGE_SIZE:]
    assert ">26.</span>" in html and ">1.</span>" not in html
    assert "From paper 26 of 75" in parsed.text
    assert parsed.links["earlier-papers"] == f"/arxiv/search?{query}#page-1"
    assert "Show papers 1\u201325" in parsed.text
    # The control comes before the results, after the form and the counts.
    assert html.index('class="counts"') < html.index("earlier-papers") < html.index('id="papers"')

    # With one page at once, page 3 links to page 2, which shows it alone and links on.
    monkeypatch.setattr(paging, "PAGES_AT_ONCE", 1)
    parsed = Page(search(client, EVERYTHING, page="3").content.decode())
    assert parsed.papers == expected[2 * PAGE_SIZE :]
    assert parsed.links["earlier-papers"] == f"/arxiv/search?{query}&page=2#page-2"
    assert "From paper 51 of 75" in parsed.text and "Show papers 26\u201350" in parsed.text
    earlier = Page(client.get(parsed.links["earlier-papers"].partition("#")[0]).content.decode())
    assert earlier.papers == expected[PAGE_SIZE : 2 * PAGE_SIZE]
    assert earlier.links["earlier-papers"] == f"/arxiv/search?{query}#page-1"


def test_the_partial_divider_comes_once_where_the_partial_matches_begin(client, index):
    expected = api_ids(client, PARTIAL)
    body = client.get("/api/search", {"q": PARTIAL}).json()
    strict = body["strict_count"]
    assert body["partial"] and strict > 0 and len(expected) > PAGE_SIZE
    html = search(client, PARTIAL, page="2").content.decode()
    assert html.count('class="partial-divider"') == 1
    before, _, after = html.partition('<h2 class="partial-divider">')
    assert Page(before).papers == expected[:strict]
    assert Page(before).papers + Page(after).papers == expected
    # Page 2 alone, as htmx fetches it, holds no complete match: no line.
    chunk = search(client, PARTIAL, "/arxiv/search/chunk", page="2").content.decode()
    assert Page(chunk).papers == expected[PAGE_SIZE:] and "partial-divider" not in chunk
    # Not in date order, where complete and partial matches mix.
    dated = search(client, PARTIAL, page="2", sort="announced").content.decode()
    assert "partial-divider" not in dated and len(Page(dated).papers) == len(expected)


def test_the_prefer_sort_shows_the_pages_before_too(client, index):
    first = Page(search(client, EVERYTHING, sort="prefer", kw="robot").content.decode())
    second = search(client, EVERYTHING, sort="prefer", kw="robot", page="2")
    assert second.status_code == 200
    assert Page(second.content.decode()).papers[:PAGE_SIZE] == first.papers


def test_chunks_stay_one_page(client, index):
    expected = api_ids(client, EVERYTHING)
    chunk = search(client, EVERYTHING, "/arxiv/search/chunk", page="3").content.decode()
    assert Page(chunk).papers == expected[2 * PAGE_SIZE :]
    assert 'data-page="3"' in chunk and 'data-page="2"' not in chunk


def test_a_whole_block_is_one_engine_slice(client, index, monkeypatch):
    """Pages 1 to 3 come from one search and one slice of its hits, not one per page."""
    backend = get_backend()
    finds, slices = [], []
    find = backend.find

    def counting_find(request):
        finds.append(request)
        found = find(request)
        page = found.page

        def counting_page(offset: int, limit: int):
            slices.append((offset, limit))
            return page(offset, limit)

        found.page = counting_page
        return found

    monkeypatch.setattr(backend, "find", counting_find)
    assert search(client, EVERYTHING, page="3").status_code == 200
    assert len(finds) == 1 and slices == [(0, 3 * PAGE_SIZE)]


def queries(client, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert search(client, EVERYTHING, **params).status_code == 200
    return len(captured.captured_queries)


def test_a_whole_block_costs_the_queries_of_one_page(client, index):
    assert queries(client, page="3") == queries(client) == queries(client, page="2")


@pytest.mark.parametrize(
    ("page", "status", "reason"),
    [
        ("4", 404, "page 4 is past the end: 75 papers on 3 pages"),
        ("400", 404, "page 400 is past the end"),
        ("401", 400, "results stop at 10000; refine the query"),
        ("999999", 400, "page must be a number from 1 to 400"),
        ("9" * 40, 400, "page must be a number from 1 to 400"),
        ("0", 400, "page must be a number from 1 to 400"),
    ],
)
def test_big_page_numbers_are_still_clear_errors(client, index, page, status, reason):
    for path in ("/arxiv/search", "/arxiv/search/chunk"):
        response = search(client, EVERYTHING, path, page=page)
        assert response.status_code == status
        assert reason in response.content.decode()


def test_the_feed_is_the_newest_results_whatever_the_page(client, index):
    first = client.get("/arxiv/search/feed", {"q": EVERYTHING}).content
    assert client.get("/arxiv/search/feed", {"q": EVERYTHING, "page": "3"}).content == first
