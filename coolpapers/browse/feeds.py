"""Atom feed of a daily list: the papers of the list's latest day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from coolpapers.papers.category_spec import CategorySpec
from coolpapers.papers.models import Paper
from coolpapers.papers.text import clean_text, squash


@dataclass(frozen=True)
class FeedList:
    spec: CategorySpec
    title: str
    day: date
    papers: list[Paper]
    feed_id: str  # absolute URL of the feed: its Atom id stays the same from day to day


@dataclass(frozen=True)
class FeedItem:
    paper: Paper
    day: date  # the list's day: a replacement is dated by this list, not its first one


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(item) for item in value)
    return value


class CleanAtom1Feed(Atom1Feed):
    """Atom whose every text is cleaned as ingestion cleans it: a control character that XML 1.0
    cannot carry (in a paper stored before ingestion cleaned every field, in a search query)
    would otherwise make the whole feed a 500."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feed = _clean(self.feed)

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*args, **kwargs)
        self.items[-1] = _clean(self.items[-1])


class DailyListFeed(Feed):
    """Called with `listing=FeedList(...)`: the view resolves spec and day, the feed renders."""

    feed_type = CleanAtom1Feed
    author_name = "Cool Papers"

    def get_object(self, request, listing: FeedList) -> FeedList:
        return listing

    def title(self, obj: FeedList) -> str:
        return f"{obj.title} — Cool Papers"

    def subtitle(self, obj: FeedList) -> str:
        return f"arXiv papers announced on {obj.day.isoformat()} in {obj.spec}"

    def link(self, obj: FeedList) -> str:
        return reverse("browse:list", args=[str(obj.spec)]) + f"?date={obj.day.isoformat()}"

    def feed_url(self, obj: FeedList) -> str:
        return reverse("browse:feed", args=[str(obj.spec)])

    def feed_guid(self, obj: FeedList) -> str:
        return obj.feed_id

    def items(self, obj: FeedList) -> list[FeedItem]:
        return [FeedItem(paper, obj.day) for paper in obj.papers]

    def item_title(self, item: FeedItem) -> str:
        return squash(item.paper.title)

    def item_description(self, item: FeedItem) -> str:
        # Atom <summary type="html">: the plain abstract, escaped once to be valid HTML.
        return escape(squash(item.paper.abstract))

    def item_link(self, item: FeedItem) -> str:
        return reverse("browse:paper", args=[item.paper.arxiv_id])

    def item_author_name(self, item: FeedItem) -> str | None:
        return ", ".join(item.paper.authors) or None

    def item_pubdate(self, item: FeedItem) -> datetime:
        return datetime.combine(item.day, time(), tzinfo=UTC)

    def item_updateddate(self, item: FeedItem) -> datetime:
        # Atom requires <updated> on every entry; the list's day is when it changed here.
        return self.item_pubdate(item)

    def item_categories(self, item: FeedItem) -> list[str]:
        return item.paper.category_codes
