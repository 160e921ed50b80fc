"""query_api and fetch_announcements over real HTTP (the local fixture server), with real bodies.

The search_query=testing pages are the arXiv API's answers for start=0, 10, ... 50 with
max_results=10, as captured by lukasschwab/arxiv.py (tests/fixtures/arxiv/api/).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coolpapers.ingestion.arxiv_client import ArxivClient, PermanentHTTPError
from coolpapers.ingestion.readers.atom import ArxivAPIError, parse_atom_feed
from coolpapers.ingestion.records import PaperRecord
from coolpapers.ingestion.sources.api import query_api
from coolpapers.ingestion.sources.rss import fetch_announcements
from coolpapers.papers.announcements import ANNOUNCE_CROSS
from tests.conftest import FixtureServer, Reply

FIXTURES = Path(__file__).parents[2] / "fixtures" / "arxiv"
BODIES = FIXTURES / "api" / "arxiv.py_2026_bodies"
TESTING_PAGES = {
    0: "q_testing_s0_m10_bc5a6c384fe9.xml",
    10: "q_testing_s10_m10_34e56e15aaac.xml",
    20: "q_testing_s20_m10_348a237fecab.xml",
    30: "q_testing_s30_m10_f2e39f0143dc.xml",
    40: "q_testing_s40_m10_96dd32eb854c.xml",
    50: "q_testing_s50_m10_7f488ab8598c.xml",
}
PATH = "/api/query"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[ArxivClient]:
    client = ArxivClient(interval=0, sleep=sleeps.append)
    yield client
    client.close()


def _body(name: str) -> bytes:
    return (BODIES / name).read_bytes()


def _serve_testing_pages(server: FixtureServer) -> None:
    for start, name in TESTING_PAGES.items():
        server.add(PATH, Reply(200, _body(name)), search_query="testing", start=str(start))


def _ids(name: str) -> list[str]:
    return [r.arxiv_id for r in parse_atom_feed(_body(name), name).records]


def test_pages_through_search_results(
    fixture_server: FixtureServer, client: ArxivClient, sleeps: list[float]
) -> None:
    _serve_testing_pages(fixture_server)
    pages = list(
        query_api(
            client,
            base_url=fixture_server.url + PATH,
            search_query="testing",
            page_size=10,
            max_results=60,
        )
    )
    assert [r.params for r in fixture_server.requests] == [
        {"search_query": "testing", "start": str(start), "max_results": "10"}
        for start in (0, 10, 20, 30, 40, 50)
    ]
    assert {r.path for r in fixture_server.requests} == {PATH}
    assert [page.start_index for page in pages] == [0, 10, 20, 30, 40, 50]
    ids = [r.arxiv_id for page in pages for r in page.records]
    expected = [i for name in TESTING_PAGES.values() for i in _ids(name)]
    assert ids == expected
    assert len(set(ids)) == 60  # every record of every page, exactly once
    assert ids[:3] == ["2202.12139", "2405.13786", "2005.14124"]
    assert "cs/0503050" in ids  # an old-style id on the start=50 page
    assert all(isinstance(r, PaperRecord) for page in pages for r in page.records)
    assert sleeps == []  # interval=0 and no retries: nothing waited


def test_resumes_from_a_checkpointed_start(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    _serve_testing_pages(fixture_server)
    start, ids = 20, []
    for page in query_api(
        client,
        base_url=fixture_server.url + PATH,
        search_query="testing",
        start=20,
        page_size=10,
        max_results=20,
    ):
        ids += [r.arxiv_id for r in page.records]
        start += len(page.records)  # what a caller checkpoints after each page
    assert start == 40
    assert [r.params["start"] for r in fixture_server.requests] == ["20", "30"]
    assert ids == _ids(TESTING_PAGES[20]) + _ids(TESTING_PAGES[30])


def test_last_page_asks_only_for_what_is_left(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    _serve_testing_pages(fixture_server)
    # The API's answer to max_results=5 is the first five entries of the start=10 page.
    body = _body(TESTING_PAGES[10])
    cut = 0
    for _ in range(5):
        cut = body.index(b"</entry>", cut) + len(b"</entry>")
    fixture_server.add(
        PATH,
        Reply(200, body[:cut] + b"\n</feed>\n"),
        search_query="testing",
        start="10",
        max_results="5",
    )
    pages = list(
        query_api(
            client,
            base_url=fixture_server.url + PATH,
            search_query="testing",
            page_size=10,
            max_results=15,
        )
    )
    assert [r.params["max_results"] for r in fixture_server.requests] == ["10", "5"]
    ids = [r.arxiv_id for page in pages for r in page.records]
    assert ids == _ids(TESTING_PAGES[0]) + _ids(TESTING_PAGES[10])[:5]


def test_id_list_lookup_stops_at_total_results(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    fixture_server.add(PATH, Reply(200, _body("id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml")))
    pages = list(
        query_api(client, base_url=fixture_server.url + PATH, id_list=["0808.05394", "1707.08567"])
    )
    assert [r.params for r in fixture_server.requests] == [
        {"id_list": "0808.05394,1707.08567", "start": "0", "max_results": "100"}
    ]
    assert [[r.arxiv_id for r in page.records] for page in pages] == [["1707.08567"]]


def test_empty_result_is_one_empty_page(fixture_server: FixtureServer, client: ArxivClient) -> None:
    fixture_server.add(PATH, Reply(200, _body("id_0000.0000_s0_m100_8b51d9633a68.xml")))
    pages = list(query_api(client, base_url=fixture_server.url + PATH, id_list=["0000.0000"]))
    assert len(fixture_server.requests) == 1
    assert len(pages) == 1
    assert (pages[0].records, pages[0].total_results) == ([], 0)


def test_http_400_error_feed_raises_the_api_message(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    fixture_server.add(PATH, Reply(400, _body("id_abc_s0_m100_b79c8dcf6bc3.xml")))
    with pytest.raises(ArxivAPIError) as info:
        list(query_api(client, base_url=fixture_server.url + PATH, id_list=["abc"]))
    assert str(info.value) == "incorrect id format for abc"
    assert isinstance(info.value.__cause__, PermanentHTTPError)
    assert info.value.__cause__.status == 400
    assert len(fixture_server.requests) == 1  # a refused query is not retried


def test_a_query_needs_ids_or_a_search(client: ArxivClient) -> None:
    with pytest.raises(ValueError, match="id_list or search_query"):
        next(query_api(client, base_url="http://127.0.0.1:9/api/query", id_list=[]))


@pytest.mark.parametrize("status", [400, 404])
def test_other_client_errors_stay_http_errors(
    fixture_server: FixtureServer, client: ArxivClient, status: int
) -> None:
    fixture_server.add(PATH, Reply(status, b"<html><body>Bad Request</body></html>"))
    with pytest.raises(PermanentHTTPError) as info:
        list(query_api(client, base_url=fixture_server.url + PATH, search_query="ti:x"))
    assert info.value.status == status


def test_fetch_announcements_joins_categories(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    body = (FIXTURES / "rss" / "laya-reader_arxiv_rss.xml").read_bytes()
    fixture_server.add("/rss/cs.LG+cs.AI+cs.CL+stat.ML", Reply(200, body))
    records = fetch_announcements(
        client,
        base_url=fixture_server.url + "/rss/",
        categories=["cs.LG", "cs.AI", "cs.CL", "stat.ML"],
    )
    assert [r.path for r in fixture_server.requests] == ["/rss/cs.LG+cs.AI+cs.CL+stat.ML"]
    assert [r.arxiv_id for r in records] == ["2609.26811", "2609.26820", "2205.06398", "2009.13987"]
    assert isinstance(records[2], PaperRecord)
    assert records[2].announce_kind == ANNOUNCE_CROSS
