"""Fetching the daily announcement feed from rss.arxiv.org for a set of categories."""

from __future__ import annotations

from coolpapers.ingestion.arxiv_client import ArxivClient
from coolpapers.ingestion.readers.rss import parse_feed
from coolpapers.ingestion.records import PaperRecord, RejectedRecord


def fetch_announcements(
    client: ArxivClient, *, base_url: str, categories: list[str]
) -> list[PaperRecord | RejectedRecord]:
    """Today's announcements in `categories`, in one request: rss.arxiv.org joins them with "+".

    `base_url` chooses the flavour ("https://rss.arxiv.org/rss/" or ".../atom/"); both parse.
    """
    if not categories:
        raise ValueError("fetch_announcements needs at least one category")
    url = base_url + "+".join(categories)
    return parse_feed(client.get(url), url)
