"""OAI-PMH harvesting from arXiv: follows resumption tokens page by page so the caller can
checkpoint each token after storing its page, and an interrupted harvest resumes where it was."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from coolpapers.ingestion.arxiv_client import ArxivClient
from coolpapers.ingestion.readers.oai import OAIPage, parse_oai_page
from coolpapers.ingestion.records import SourceError
from coolpapers.papers.arxiv_ids import normalize_arxiv_id

LIST_RECORDS = "ListRecords"


def _fetch(client: ArxivClient, base_url: str, params: dict[str, str]) -> OAIPage:
    data = client.get(base_url, params)
    return parse_oai_page(data, f"{base_url}?{urlencode(params)}")


def harvest_oai(
    client: ArxivClient,
    *,
    base_url: str,
    metadata_prefix: str = "arXiv",
    set_spec: str | None = None,
    from_date: str | None = None,
    until: str | None = None,
    resumption_token: str | None = None,
) -> Iterator[OAIPage]:
    """Yield every page of a ListRecords harvest, or of its rest when resuming from a token.

    OAI-PMH forbids other arguments next to resumptionToken, so a follow-up request carries
    only the token. OAIError (e.g. badResumptionToken for an expired token) propagates.
    """
    if resumption_token:
        params = {"verb": LIST_RECORDS, "resumptionToken": resumption_token}
    else:
        params = {"verb": LIST_RECORDS, "metadataPrefix": metadata_prefix}
        for name, value in (("set", set_spec), ("from", from_date), ("until", until)):
            if value:
                params[name] = value
    while True:
        page = _fetch(client, base_url, params)
        yield page
        token = page.resumption_token
        if token is None:
            return
        if token == params.get("resumptionToken"):
            # A repository that hands back the token it was given would have us loop forever.
            raise SourceError(
                f"{base_url}?{urlencode(params)}",
                "resumptionToken",
                f"the repository answered token {token!r} with the same token",
            )
        params = {"verb": LIST_RECORDS, "resumptionToken": token}


def get_record(
    client: ArxivClient, *, base_url: str, arxiv_id: str, metadata_prefix: str = "arXiv"
) -> OAIPage:
    """One paper by id. arXiv's OAI knows articles, not versions, so a `vN` suffix is dropped
    (arXiv answers idDoesNotExist to 'oai:arXiv.org:1305.0014v1')."""
    params = {
        "verb": "GetRecord",
        "identifier": f"oai:arXiv.org:{normalize_arxiv_id(arxiv_id)}",
        "metadataPrefix": metadata_prefix,
    }
    return _fetch(client, base_url, params)
