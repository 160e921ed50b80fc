"""A profile's private Atom feed: the top papers of its recent announcement days.

The address holds a secret token (DigestSettings.feed_token): whoever has it reads the feed
without signing in, as feed readers need; revoking or replacing the token makes the old
address a 404 at once. The ranking of a day is cached for a few minutes, since feed readers
poll often and a day's papers do not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from coolpapers.digests.mail import WHY_WORDS, authors_line, tex_to_text
from coolpapers.digests.models import DigestSettings
from coolpapers.interests import foryou
from coolpapers.papers.announcements import ANNOUNCE_CROSS, ANNOUNCE_NEW
from coolpapers.papers.models import Announcement, Paper
from coolpapers.papers.text import clean_text


def feed_days() -> int:
    """How many of the latest announcement days the feed holds."""
    return int(getattr(settings, "DIGEST_FEED_DAYS", 5))


def cache_seconds() -> int:
    return int(getattr(settings, "DIGEST_FEED_CACHE_SECONDS", 600))


@dataclass(frozen=True)
class FeedEntry:
    day: date
    paper: Paper
    why: list[str]


def recent_days(count: int) -> list[date]:
    """The latest `count` announcement days with new or cross-listed papers, latest first."""
    rows = (
        Announcement.objects.filter(kind__in=(ANNOUNCE_NEW, ANNOUNCE_CROSS))
        .order_by("-date")
        .values_list("date", flat=True)
        .distinct()
    )
    return list(rows[:count])


def _ranked(digest: DigestSettings, day: date) -> list[tuple[str, list[str]]]:
    """(arXiv id, why words) of the profile's top papers of `day`, cached a few minutes."""
    key = f"digests:feed:{digest.collection_id}:{digest.size}:{day.isoformat()}"
    found = cache.get(key)
    if found is None:
        ranked = foryou.todays_ranking(
            digest.collection, day, limit=digest.size, explain=digest.size
        )
        found = [(s.arxiv_id, list(s.why.words[:WHY_WORDS]) if s.why else []) for s in ranked]
        cache.set(key, found, cache_seconds())
    return found


def entries(digest: DigestSettings) -> list[FeedEntry]:
    """The feed's entries, latest day first, best paper first within a day; a paper once."""
    ranked = [
        (day, pid, why) for day in recent_days(feed_days()) for pid, why in _ranked(digest, day)
    ]
    fields = ("arxiv_id", "title", "authors", "abstract", "primary_category_id")
    papers = Paper.objects.filter(pk__in={pid for _, pid, _ in ranked}).only(*fields)
    by_id = {paper.pk: paper for paper in papers}
    seen: set[str] = set()
    found = []
    for day, pid, why in ranked:
        if pid in by_id and pid not in seen:
            seen.add(pid)
            found.append(FeedEntry(day, by_id[pid], why))
    return found


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(item) for item in value)
    return value


class CleanAtom1Feed(Atom1Feed):
    """Atom with every text cleaned of what XML 1.0 cannot carry (as the daily lists' feed)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feed = _clean(self.feed)

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*args, **kwargs)
        self.items[-1] = _clean(self.items[-1])


class ProfileFeed(Feed):
    feed_type = CleanAtom1Feed
    author_name = "Cool Papers"

    def get_object(self, request: HttpRequest, token: str) -> DigestSettings:
        digest = (
            DigestSettings.objects.filter(feed_token=token).select_related("collection").first()
            if token
            else None
        )
        if digest is None:
            raise Http404("no such feed")
        return digest

    def title(self, obj: DigestSettings) -> str:
        return f"For you: {obj.collection.name} — Cool Papers"

    def subtitle(self, obj: DigestSettings) -> str:
        return (
            f"The {obj.size} papers of each of the latest {feed_days()} arXiv announcement days "
            f"that your profile “{obj.collection.name}” ranks highest."
        )

    def link(self, obj: DigestSettings) -> str:
        return reverse("foryou:profile", args=[obj.collection_id])

    def feed_url(self, obj: DigestSettings) -> str:
        return reverse("digests:feed", args=[obj.feed_token])

    def feed_guid(self, obj: DigestSettings) -> str:
        # Stable across token changes, and without the token (a guid may be shown or shared).
        return f"{settings.SITE_URL}/for-you/{obj.collection_id}#feed"

    def items(self, obj: DigestSettings) -> list[FeedEntry]:
        return entries(obj)

    def item_title(self, item: FeedEntry) -> str:
        return tex_to_text(item.paper.title)

    def item_description(self, item: FeedEntry) -> str:
        text = f"<p>{escape(tex_to_text(item.paper.abstract))}</p>"
        if item.why:
            text += f"<p>Why: {escape(', '.join(item.why))}</p>"
        return text

    def item_link(self, item: FeedEntry) -> str:
        return reverse("browse:paper", args=[item.paper.arxiv_id])

    def item_guid(self, item: FeedEntry) -> str:
        return f"{settings.SITE_URL}/arxiv/{item.paper.arxiv_id}#for-you-{item.day.isoformat()}"

    def item_author_name(self, item: FeedEntry) -> str | None:
        return authors_line(item.paper.authors) or None

    def item_pubdate(self, item: FeedEntry) -> datetime:
        return datetime.combine(item.day, time(), tzinfo=UTC)

    def item_updateddate(self, item: FeedEntry) -> datetime:
        return self.item_pubdate(item)

    def item_categories(self, item: FeedEntry) -> list[str]:
        return [item.paper.primary_category_id]


_feed = ProfileFeed()


def profile_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed, private to whoever holds its address: never stored by shared caches, never
    indexed."""
    response = _feed(request, token=token)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
