"""A whole page for `?page=N` (the address the lazy loader writes as the reader scrolls)
shows the pages before N too, up to PAGES_AT_ONCE, so reload and Back find the papers above
where the reader was; past that a control says where the page starts and links to the
papers before. The chunks htmx fetches stay one page each. Browser side:
test_place_browser.py."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from coolpapers.browse import listing
from coolpapers.browse.listing import PAGE_SIZE
from coolpapers.papers.category_spec import parse_spec
from coolpapers.web.paging import PAGES_AT_ONCE, shown_pages
from tests.browse.conftest import DEMO, SAMPLE_BUSY_DAY, ingest
from tests.browse.test_views import Page, day_ids

pytestmark = pytest.mark.django_db

BROWSE_JS = Path(__file__).resolve().parents[2] / "static" / "coolpapers" / "js" / "browse.js"
# The demo's busiest cs.CV day: 223 papers on 9 pages, one more than a page shows at once.
BIG_DAY = date(2026, 8, 18)


@pytest.fixture
def demo_papers(db) -> list[str]:
    """The demo data; returns the ids of cs.CV on BIG_DAY in arXiv order."""
    ingest(DEMO)
    return day_ids("cs.CV", BIG_DAY)


def test_shown_pages():
    assert PAGES_AT_ONCE == 8
    assert shown_pages(1) == range(1, 2)
    assert shown_pages(8) == range(1, 9)
    assert shown_pages(9) == range(2, 10)
    assert shown_pages(100) == range(93, 101)


def test_browse_js_knows_how_many_pages_a_page_shows():
    """browse.js gives a place above what ?page= shows an address that shows it."""
    found = re.search(r"const PAGES_AT_ONCE = (\d+);", BROWSE_JS.read_text())
    assert found and int(found[1]) == PAGES_AT_ONCE


def test_day_pages_split_one_query_into_pages(sample_papers, django_assert_num_queries):
    spec = parse_spec("cs.CV")
    expected = day_ids("cs.CV", SAMPLE_BUSY_DAY)
    # the rows (one more than the pages) and the categories of their papers
    with django_assert_num_queries(2):
        pages = listing.day_pages(spec, SAMPLE_BUSY_DAY, pages=range(1, 4))
    # Page 3 is past the end of the day's 50 papers: left out.
    assert [page.number for page in pages] == [1, 2]
    assert [page.has_next for page in pages] == [True, False]
    assert [e.paper.pk for page in pages for e in page.entries] == expected
    assert [page.first_number for page in pages] == [1, 26]
    for sort in listing.Sort.ARXIV, listing.Sort.STARS:
        one_by_one = [
            listing.day_page(spec, SAMPLE_BUSY_DAY, sort=sort, page=n).entries for n in (1, 2)
        ]
        together = listing.day_pages(spec, SAMPLE_BUSY_DAY, sort=sort, pages=range(1, 3))
        assert [page.entries for page in together] == one_by_one
    # All past the end: one empty page, as day_page gives.
    beyond = listing.day_pages(spec, SAMPLE_BUSY_DAY, pages=range(3, 5))
    assert [(page.number, page.entries, page.has_next) for page in beyond] == [(3, [], False)]


def test_a_page_shows_the_pages_before_it_up_to_the_cap(client, demo_papers):
    assert len(demo_papers) == 223
    url = "/arxiv/cs.CV"
    for number in (1, 3, 8):
        html = client.get(url, {"date": BIG_DAY.isoformat(), "page": number}).content.decode()
        parsed = Page(html)
        assert parsed.papers == demo_papers[: number * PAGE_SIZE]
        assert re.findall(r'data-page="(\d+)"', html) == [str(n) for n in range(1, number + 1)]
        assert "earlier-papers" not in parsed.links and "shown-range" not in html
        # Numbered through, and the sentinel fetches one page, the one after.
        assert f">{number * PAGE_SIZE}.</span>" in html
        assert parsed.sentinel["hx-get"] == f"{url}/chunk?date=2026-08-18&page={number + 1}"
        assert parsed.sentinel["hx-replace-url"] == f"{url}?date=2026-08-18&page={number + 1}"
        assert parsed.links["canonical"] == (
            f"http://testserver{url}?date=2026-08-18" + (f"&page={number}" if number > 1 else "")
        )

    # Page 9 shows pages 2 to 9 and says so, with a link to the papers before.
    response = client.get(url, {"date": BIG_DAY.isoformat(), "page": "9"})
    html = response.content.decode()
    parsed = Page(html)
    assert parsed.papers == demo_papers[PAGE_SIZE:]
    assert ">26.</span>" in html and ">1.</span>" not in html
    assert "From paper 26 of 223" in parsed.text
    assert parsed.links["earlier-papers"] == f"{url}?date=2026-08-18#page-1"
    assert "Show papers 1\u201325" in parsed.text
    assert "End of the list: 223 papers." in parsed.text and parsed.sentinel is None
    # The control comes before the papers, after the list's heading.
    assert html.index("earlier-papers") < html.index('id="papers"')


def test_earlier_link_past_the_cap_shows_a_whole_block(client, demo_papers, monkeypatch):
    """With a smaller cap, the link from page 9 shows the block ending just before it."""
    import coolpapers.web.paging as paging

    monkeypatch.setattr(paging, "PAGES_AT_ONCE", 3)
    html = client.get("/arxiv/cs.CV", {"date": "2026-08-18", "page": "9"}).content.decode()
    parsed = Page(html)
    assert parsed.papers == demo_papers[6 * PAGE_SIZE :]
    assert "From paper 151 of 223" in parsed.text
    assert parsed.links["earlier-papers"] == "/arxiv/cs.CV?date=2026-08-18&page=6#page-6"
    assert "Show papers 76\u2013150" in parsed.text
    earlier = Page(client.get(parsed.links["earlier-papers"].partition("#")[0]).content.decode())
    assert earlier.papers == demo_papers[3 * PAGE_SIZE : 6 * PAGE_SIZE]


def test_chunks_stay_one_page(client, demo_papers):
    parsed = Page(
        client.get("/arxiv/cs.CV/chunk", {"date": "2026-08-18", "page": "9"}).content.decode()
    )
    assert parsed.papers == demo_papers[8 * PAGE_SIZE :]


@pytest.mark.parametrize("number", ["1", "9"])
def test_a_whole_block_costs_the_queries_of_one_page(
    client, demo_papers, django_assert_num_queries, number
):
    # categories, size probe, counts, page rows, categories of the page, previous/next day
    with django_assert_num_queries(7):
        client.get("/arxiv/cs.CV", {"date": "2026-08-18", "page": number})


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        (
            {"page": "10"},
            404,
            "Page 10 is past the end: cs.CV on 2026-08-18 has 223 papers on 9 pages.",
        ),
        ({"page": "99999"}, 404, "Page 99999 is past the end"),
        ({"page": "100001"}, 400, "is not a page number (1 to 100000)"),
        ({"page": "9" * 40}, 400, "is not a page number"),
        ({"page": "0"}, 400, "is not a page number"),
    ],
)
def test_big_page_numbers_are_still_clear_errors(client, demo_papers, params, status, reason):
    for path in ("/arxiv/cs.CV", "/arxiv/cs.CV/chunk"):
        response = client.get(path, {"date": "2026-08-18", **params})
        assert response.status_code == status
        assert reason in response.content.decode()
