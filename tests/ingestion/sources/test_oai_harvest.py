"""OAI-PMH harvesting over real HTTP (a local server answering with real arXiv responses) through
a real ArxivClient whose sleeps are recorded instead of slept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coolpapers.ingestion.arxiv_client import ArxivClient, TransientError
from coolpapers.ingestion.readers.oai import OAIError
from coolpapers.ingestion.records import PaperRecord, SourceError
from coolpapers.ingestion.sources.oai import get_record, harvest_oai
from tests.conftest import ARXIV_FIXTURES, FixtureServer, Reply

OAI = ARXIV_FIXTURES / "oai"
PATH = "/oai2"

MIKESAELIM = (OAI / "mikesaelim_ListRecordsResponse.xml").read_bytes()
MIKESAELIM_TOKEN = (
    b'<resumptionToken cursor="0" completeListSize="58011">726959|1001</resumptionToken>'
)
LITPUVN = (OAI / "litpuvn_ListRecords_arXivRaw.xml").read_bytes()
LITPUVN_TOKEN = (
    b'<resumptionToken cursor="0" completeListSize="1440">1403493|1001</resumptionToken>'
)


def with_token(page: bytes, real_token: bytes, new_token: bytes) -> bytes:
    """A page derived from a real one by swapping its resumptionToken element."""
    assert page.count(real_token) == 1
    return page.replace(real_token, new_token)


# Page 1 is real. Pages 2 and 3 are DERIVED from real pages by changing only the token element,
# so that the chain goes on (page 2) and then ends with the empty token arXiv sends last (page 3).
PAGE_1 = MIKESAELIM
PAGE_2 = with_token(
    LITPUVN,
    LITPUVN_TOKEN,
    b'<resumptionToken cursor="1001" completeListSize="58011">726959|2002</resumptionToken>',
)
PAGE_3 = with_token(
    MIKESAELIM, MIKESAELIM_TOKEN, b'<resumptionToken cursor="2002" completeListSize="58011"/>'
)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[ArxivClient]:
    client = ArxivClient(interval=0, max_retries=3, backoff=2.0, sleep=sleeps.append)
    yield client
    client.close()


def base_url(server: FixtureServer) -> str:
    return server.url + PATH


def test_follows_the_token_chain_and_sends_only_the_token_after_the_first_request(
    fixture_server: FixtureServer, client: ArxivClient, sleeps: list[float]
) -> None:
    fixture_server.add(PATH, Reply(body=PAGE_1), verb="ListRecords", metadataPrefix="arXivRaw")
    fixture_server.add(PATH, Reply(body=PAGE_2), verb="ListRecords", resumptionToken="726959|1001")
    fixture_server.add(PATH, Reply(body=PAGE_3), verb="ListRecords", resumptionToken="726959|2002")

    pages = list(
        harvest_oai(
            client,
            base_url=base_url(fixture_server),
            metadata_prefix="arXivRaw",
            set_spec="physics:nucl-th",
            from_date="2014-10-01",
            until="2014-12-31",
        )
    )

    assert [r.params for r in fixture_server.requests] == [
        {
            "verb": "ListRecords",
            "metadataPrefix": "arXivRaw",
            "set": "physics:nucl-th",
            "from": "2014-10-01",
            "until": "2014-12-31",
        },
        {"verb": "ListRecords", "resumptionToken": "726959|1001"},
        {"verb": "ListRecords", "resumptionToken": "726959|2002"},
    ]
    assert [r.path for r in fixture_server.requests] == [PATH] * 3
    assert [p.resumption_token for p in pages] == ["726959|1001", "726959|2002", None]
    assert [p.cursor for p in pages] == [0, 1001, 2002]
    assert [p.complete_list_size for p in pages] == [58011] * 3
    assert [len(p.records) for p in pages] == [6, 387, 6]
    first = pages[0].records[0]
    assert isinstance(first, PaperRecord) and first.arxiv_id == "0704.0471"
    second = pages[1].records[0]
    assert isinstance(second, PaperRecord) and second.arxiv_id == "0803.4354"
    assert sleeps == []  # interval 0, no errors: nothing waited


def test_an_interrupted_harvest_resumes_from_the_checkpointed_token(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    fixture_server.add(PATH, Reply(body=PAGE_1), verb="ListRecords", metadataPrefix="arXiv")
    fixture_server.add(PATH, Reply(body=PAGE_3), verb="ListRecords", resumptionToken="726959|1001")
    url = base_url(fixture_server)

    # First run: the caller stores page 1, checkpoints its token, then the process dies.
    first_run = harvest_oai(client, base_url=url, set_spec="physics", from_date="2014-10-01")
    checkpoint = next(first_run).resumption_token
    first_run.close()
    assert checkpoint == "726959|1001"
    assert len(fixture_server.requests) == 1

    # Second run, from the checkpoint: only the token is sent, even with the original arguments.
    resumed = list(
        harvest_oai(
            client,
            base_url=url,
            set_spec="physics",
            from_date="2014-10-01",
            resumption_token=checkpoint,
        )
    )
    assert [r.params for r in fixture_server.requests[1:]] == [
        {"verb": "ListRecords", "resumptionToken": "726959|1001"}
    ]
    assert len(resumed) == 1
    assert resumed[0].resumption_token is None
    assert resumed[0].cursor == 2002


def test_no_records_match_yields_one_empty_page(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    body = (OAI / "mikesaelim_ErrorResponseNoRecordsMatch.xml").read_bytes()
    fixture_server.add(PATH, Reply(body=body), verb="ListRecords")

    pages = list(
        harvest_oai(
            client, base_url=base_url(fixture_server), metadata_prefix="arXivRaw", set_spec="moo"
        )
    )

    assert len(pages) == 1
    assert pages[0].records == [] and pages[0].resumption_token is None
    assert [r.params for r in fixture_server.requests] == [
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "moo"}
    ]


def test_bad_resumption_token_raises_oai_error(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    body = (OAI / "mikesaelim_ErrorResponseBadResumptionToken.xml").read_bytes()
    fixture_server.add(PATH, Reply(body=body), verb="ListRecords", resumptionToken="3")

    with pytest.raises(OAIError) as caught:
        next(harvest_oai(client, base_url=base_url(fixture_server), resumption_token="3"))

    assert caught.value.code == "badResumptionToken"
    assert caught.value.message == "The resumptionToken supplied is illegal for this repository"
    assert [r.params for r in fixture_server.requests] == [
        {"verb": "ListRecords", "resumptionToken": "3"}
    ]


def test_a_repository_repeating_the_token_it_was_given_stops_the_harvest(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    fixture_server.add(PATH, Reply(body=PAGE_1), verb="ListRecords", resumptionToken="726959|1001")

    pages = []
    with pytest.raises(SourceError) as caught:
        for page in harvest_oai(
            client, base_url=base_url(fixture_server), resumption_token="726959|1001"
        ):
            pages.append(page)

    assert len(pages) == 1  # the page itself was fine and was handed over
    assert len(fixture_server.requests) == 1
    assert "same token" in caught.value.message


def test_503_with_retry_after_waits_that_long_then_succeeds(
    fixture_server: FixtureServer, client: ArxivClient, sleeps: list[float]
) -> None:
    fixture_server.add(
        PATH,
        Reply(503, b"Retry after 7 seconds", {"Retry-After": "7"}),
        Reply(body=PAGE_3),
        verb="ListRecords",
    )

    pages = list(harvest_oai(client, base_url=base_url(fixture_server)))

    assert sleeps == [7.0]
    assert len(fixture_server.requests) == 2
    assert fixture_server.requests[0].params == fixture_server.requests[1].params
    assert len(pages) == 1 and len(pages[0].records) == 6


def test_repeated_500s_give_up_with_transient_error_after_backing_off(
    fixture_server: FixtureServer, client: ArxivClient, sleeps: list[float]
) -> None:
    fixture_server.add(PATH, Reply(500, b"Internal Server Error"), verb="ListRecords")

    with pytest.raises(TransientError) as caught:
        next(harvest_oai(client, base_url=base_url(fixture_server)))

    assert sleeps == [2.0, 4.0, 8.0]  # max_retries=3: doubling backoff between the 4 attempts
    assert len(fixture_server.requests) == 4
    assert "gave up after 4 attempts, last HTTP 500" in str(caught.value)


def test_client_keeps_the_interval_between_requests(fixture_server: FixtureServer) -> None:
    fixture_server.add(PATH, Reply(body=PAGE_3), verb="ListRecords")
    sleeps: list[float] = []
    client = ArxivClient(interval=3.0, sleep=sleeps.append)
    try:
        client.get(base_url(fixture_server), {"verb": "ListRecords"})
        assert sleeps == []  # the first request does not wait
        client.get(base_url(fixture_server), {"verb": "ListRecords"})
    finally:
        client.close()

    assert len(sleeps) == 1
    assert 2.0 < sleeps[0] <= 3.0  # 3 s minus the moment the first request took
    assert len(fixture_server.requests) == 2


def test_get_record_asks_for_the_article_without_version(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    body = (OAI / "hepcrawl_arxiv-single.xml").read_bytes()
    fixture_server.add(PATH, Reply(body=body), verb="GetRecord")

    page = get_record(client, base_url=base_url(fixture_server), arxiv_id="arXiv:1401.2122v5")

    assert [r.params for r in fixture_server.requests] == [
        {"verb": "GetRecord", "identifier": "oai:arXiv.org:1401.2122", "metadataPrefix": "arXiv"}
    ]
    [record] = page.records
    assert isinstance(record, PaperRecord)
    assert record.arxiv_id == "1401.2122"
    assert record.doi == "10.1007/s11005-017-1013-4"


def test_get_record_of_an_unknown_id_raises_oai_error(
    fixture_server: FixtureServer, client: ArxivClient
) -> None:
    body = (OAI / "inspire-next_1305.9999.xml").read_bytes()
    fixture_server.add(PATH, Reply(body=body), verb="GetRecord")

    with pytest.raises(OAIError) as caught:
        get_record(
            client,
            base_url=base_url(fixture_server),
            arxiv_id="1305.9999",
            metadata_prefix="arXivRaw",
        )

    assert caught.value.code == "idDoesNotExist"
    assert fixture_server.requests[0].params == {
        "verb": "GetRecord",
        "identifier": "oai:arXiv.org:1305.9999",
        "metadataPrefix": "arXivRaw",
    }
