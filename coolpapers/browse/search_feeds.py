"""Atom feed of a search: its newest 50 papers, so a reader can follow a query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.urls import reverse
from django.utils.http import urlencode

from coolpapers.browse.feeds import DailyListFeed, FeedItem
from coolpapers.papers.models import Paper


@dataclass(frozen=True)
class SearchFeedData:
    query: str  # the words searched: the reader's, or their correction
    typed: str  # what the reader typed, when it was corrected
    partial: bool  # no paper has every word: these have most of them
    params: dict[str, str]
    papers: list[Paper]
    feed_id: str


class SearchFeed(DailyListFeed):
    """The daily list's feed (and its CleanAtom1Feed, so no stored text can break it) with a
    search's papers."""

    def get_object(self, request, listing: SearchFeedData) -> SearchFeedData:
        return listing

    def title(self, obj: SearchFeedData) -> str:
        return f"Search: {obj.query} — Cool Papers"

    def subtitle(self, obj: SearchFeedData) -> str:
        most = " all or most of" if obj.partial else ""
        found = f"The newest arXiv papers matching{most} {obj.query}"
        return f"{found} (corrected from {obj.typed})" if obj.typed else found

    def link(self, obj: SearchFeedData) -> str:
        return reverse("search:search") + "?" + urlencode(obj.params)

    def feed_url(self, obj: SearchFeedData) -> str:
        return reverse("search:feed") + "?" + urlencode(obj.params)

    def feed_guid(self, obj: SearchFeedData) -> str:
        return obj.feed_id

    def items(self, obj: SearchFeedData) -> list[FeedItem]:
        return [FeedItem(paper, paper.announced or date.today()) for paper in obj.papers]

    def item_pubdate(self, item: FeedItem) -> datetime:
        return datetime.combine(item.day, datetime.min.time(), tzinfo=UTC)
