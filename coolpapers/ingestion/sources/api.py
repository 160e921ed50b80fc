"""Paging through the arXiv API (export.arxiv.org/api/query) for id lookups and searches."""

from __future__ import annotations

from collections.abc import Iterator

from coolpapers.ingestion.arxiv_client import ArxivClient, PermanentHTTPError
from coolpapers.ingestion.readers.atom import ArxivAPIError, AtomPage, parse_atom_feed
from coolpapers.ingestion.records import SourceError


def _api_error(exc: PermanentHTTPError) -> ArxivAPIError | None:
    """The API's own explanation of an HTTP 400, when its body is the usual Atom error feed."""
    try:
        parse_atom_feed(exc.body, exc.url)
    except ArxivAPIError as error:
        return error
    except SourceError:
        return None
    return None


def query_api(
    client: ArxivClient,
    *,
    base_url: str,
    id_list: list[str] | None = None,
    search_query: str | None = None,
    start: int = 0,
    page_size: int = 100,
    max_results: int | None = None,
) -> Iterator[AtomPage]:
    """Yield result pages from `start` until the results, or `max_results` of them, run out.

    Each page's records sit at positions start, start + 1, ... of the result list, so a caller
    that checkpoints `start + len(page.records)` after each page can resume there. An empty page
    also ends the run: the API answers past-the-end and flaky pages alike with no entries.
    Raises ArxivAPIError when the API rejects the query (HTTP 400 with an Atom error feed).
    """
    if not id_list and search_query is None:
        raise ValueError("query_api needs id_list or search_query")
    fetched = 0
    while max_results is None or fetched < max_results:
        size = page_size if max_results is None else min(page_size, max_results - fetched)
        params = {"start": str(start), "max_results": str(size)}
        if search_query is not None:
            params["search_query"] = search_query
        if id_list:
            params["id_list"] = ",".join(id_list)
        try:
            body = client.get(base_url, params)
        except PermanentHTTPError as exc:
            error = _api_error(exc) if exc.status == 400 else None
            if error is not None:
                raise error from exc
            raise
        page = parse_atom_feed(body, f"{base_url} (start={start})")
        yield page
        if not page.records:
            return
        start += len(page.records)
        fetched += len(page.records)
        if page.total_results is not None and start >= page.total_results:
            return
