"""For you: a day's papers across every category, in the order of one of the reader's profiles.

The For you pages, the For you sort, the API and the digests (coolpapers.digests) share it.
Also here: which profile is the reader's current one (kept in their session), their 👍/👎 in
it, read and seen marks, and the visits the catch-up view counts from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from coolpapers.library.models import (
    Collection,
    Rating,
    ReadMark,
    SavedPaper,
    SeenMark,
    ensure_default,
)
from coolpapers.papers.announcements import ANNOUNCE_CROSS, ANNOUNCE_NEW
from coolpapers.papers.models import Announcement, Paper
from coolpapers.ranking.profiles import Scored, rank, ranking_state
from search.backends.base import Hit, SearchResults

# The session keys: the reader's current profile, and their visits per profile.
SESSION_PROFILE = "foryou:profile"
SESSION_VISITS = "foryou:visits"
# Page views closer together than this are one visit (what "seen on an earlier visit" means).
VISIT_GAP = timedelta(hours=1)
# The catch-up view ranks at most this many announcement days (the latest ones) at once.
MAX_CATCH_UP_DAYS = 7
# The For you sort of a search orders this many best matches (as the ❤ sort does).
FORYOU_POOL = 500
# How long a profile's ranking of a day stays cached (a new rating or training changes its key).
RANKING_SECONDS = 6 * 3600
_KINDS = (ANNOUNCE_NEW, ANNOUNCE_CROSS)


class NoSuchProfile(LookupError):
    """The id is not one of the reader's profiles (someone else's, deleted, or not a profile)."""


class BadRating(ValueError):
    """A rating that is neither up (👍), down (👎) nor none."""


# --- days and candidates ------------------------------------------------------------------------


def day_candidates(day: date) -> list[str]:
    """The papers announced on `day` (new submissions and cross-lists), by id."""
    rows = Announcement.objects.filter(date=day, kind__in=_KINDS)
    return list(rows.order_by("paper_id").values_list("paper_id", flat=True).distinct())


def days_candidates(days: Sequence[date]) -> list[str]:
    """The papers announced on any of `days` (new or cross-listed), each once, by id."""
    rows = Announcement.objects.filter(date__in=list(days), kind__in=_KINDS)
    return list(dict.fromkeys(rows.order_by("paper_id").values_list("paper_id", flat=True)))


def latest_day() -> date | None:
    """The latest announcement day with new or cross-listed papers: For you's "today"."""
    return Announcement.objects.filter(kind__in=_KINDS).aggregate(day=Max("date"))["day"]


def days_after(since: date, limit: int = MAX_CATCH_UP_DAYS) -> list[date]:
    """Announcement days after `since`, oldest first: the latest `limit` of them."""
    rows = (
        Announcement.objects.filter(date__gt=since, kind__in=_KINDS)
        .order_by("-date")
        .values_list("date", flat=True)
        .distinct()
    )
    return sorted(rows[:limit])


def days_of(ids: Iterable[str], days: Sequence[date]) -> dict[str, date]:
    """The day among `days` each paper was announced on (its first one, if several)."""
    rows = Announcement.objects.filter(paper_id__in=list(ids), date__in=list(days), kind__in=_KINDS)
    found: dict[str, date] = {}
    for paper_id, day in rows.order_by("date").values_list("paper_id", "date"):
        found.setdefault(paper_id, day)
    return found


def todays_ranking(
    collection: Collection,
    day: date,
    limit: int | None = None,
    explain: int = 0,
    candidates: list[str] | None = None,
) -> list[Scored]:
    """The day's papers ranked by the profile, best first; the `explain` best get their why.
    `candidates`: the day's papers when the caller read them once for many profiles."""
    if candidates is None:
        candidates = day_candidates(day)
    ranked = rank(collection, candidates, explain=explain)
    return ranked if limit is None else ranked[:limit]


# ranked_ids' and explained's `state` when the caller did not read it: they read it then.
UNREAD: Any = ("unread",)


def _ranking_key(
    collection: Collection, ids: Sequence[str], kind: str = "order", state: Any = UNREAD
) -> str | None:
    """The cache key of the profile's order (or why) of `ids`: their hash and the profile's
    ranking state (coolpapers.ranking.profiles.ranking_state), so a new 👍/👎, saved paper,
    keyword, training or corpus model is a new key and nothing needs deleting. None: not to
    be cached (a training is due)."""
    if state is UNREAD:
        state = ranking_state(collection)
    if state is None:
        return None
    digest = hashlib.sha1(repr(state).encode())
    digest.update("\n".join(ids).encode())
    return f"foryou:{kind}:{collection.pk}:{digest.hexdigest()}"


def _cached(key: str | None, compute: Callable[[], Any]) -> Any:
    if key is None:
        return compute()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, RANKING_SECONDS)
    return found


def ranked_ids(collection: Collection, ids: list[str], state: Any = UNREAD) -> list[str]:
    """`ids` in the profile's order, best first (no why: cheap enough for a whole day).

    Kept in the default cache for RANKING_SECONDS: a page's next chunks, a reload and the
    For you sort of a list rank the day once, until something the order depends on changes
    (never while a training is due). `state`: the profile's ranking_state, when the caller
    has read it already."""
    if not ids:
        return []
    return _cached(
        _ranking_key(collection, ids, "order", state),
        lambda: [scored.arxiv_id for scored in rank(collection, ids, explain=0)],
    )


def explained(collection: Collection, ids: list[str], state: Any = UNREAD) -> dict[str, Scored]:
    """Score and why of a few papers (a page of them), by id: the why of a window is asked
    for the window alone, not for every paper ranked above it. Cached as ranked_ids is."""
    if not ids:
        return {}
    return _cached(
        _ranking_key(collection, ids, "why", state),
        lambda: {scored.arxiv_id: scored for scored in rank(collection, ids, explain=len(ids))},
    )


def foryou_hits(
    results: SearchResults, collection: Collection, start: int, size: int
) -> tuple[list[Hit], bool]:
    """`size` hits from `start` of a search in the For you sort: its best FORYOU_POOL results
    re-ordered by the profile, and whether more follow."""
    pool = {hit.arxiv_id: hit for hit in results[:FORYOU_POOL]}
    ordered = ranked_ids(collection, list(pool))
    return [pool[pid] for pid in ordered[start : start + size]], start + size < len(ordered)


# --- profiles -----------------------------------------------------------------------------------


def profiles_of(user: Any) -> list[Collection]:
    """The reader's interest profiles, oldest first; the default collection made if they have
    no collection at all (a reader who signed up before the library existed)."""
    found = list(
        Collection.objects.filter(owner=user, is_profile=True).order_by("created_at", "pk")
    )
    if not found and not Collection.objects.filter(owner=user).exists():
        found = [ensure_default(user)]
    return found


def profile_of(user: Any, collection_id: int) -> Collection:
    """One of the reader's profiles by id; NoSuchProfile for anything else."""
    found = Collection.objects.filter(owner=user, is_profile=True, pk=collection_id).first()
    if found is None:
        raise NoSuchProfile(f"profile {collection_id} is not one of yours")
    return found


def current_profile(
    user: Any, session: MutableMapping[str, Any], chosen: int | None = None
) -> Collection | None:
    """The profile the reader rates in and For you ranks by: `chosen` (then remembered in the
    session), else the one remembered, else their first profile. None: they have none."""
    if chosen is not None:
        profile = profile_of(user, chosen)
        session[SESSION_PROFILE] = profile.pk
        return profile
    kept = session.get(SESSION_PROFILE)
    if isinstance(kept, int):
        profile = Collection.objects.filter(owner=user, is_profile=True, pk=kept).first()
        if profile is not None:
            return profile
    profiles = profiles_of(user)
    if not profiles:
        return None
    session[SESSION_PROFILE] = profiles[0].pk
    return profiles[0]


@dataclass(frozen=True)
class Basis:
    """What a profile's ranking starts from."""

    ups: int
    downs: int
    saved: int
    keywords: list[str]

    @property
    def empty(self) -> bool:
        """Nothing to rank by: the ranking is the papers' own order."""
        return not (self.ups or self.saved or self.keywords)


def basis_of(collection: Collection) -> Basis:
    ratings = dict(
        Rating.objects.filter(collection=collection)
        .order_by()
        .values_list("value")
        .annotate(n=Count("pk"))
    )
    keywords = [word.strip() for word in collection.keywords.split(",") if word.strip()]
    saved = SavedPaper.objects.filter(collection=collection).count()
    return Basis(ratings.get(Rating.UP, 0), ratings.get(Rating.DOWN, 0), saved, keywords)


# --- ratings ------------------------------------------------------------------------------------

_VALUES = {"up": Rating.UP, "1": Rating.UP, "+1": Rating.UP, "down": Rating.DOWN, "-1": Rating.DOWN}
_CLEAR = {"", "none", "clear", "0"}


def parse_rating(value: object) -> int | None:
    """up/down/none (or 1/-1/0) as Rating.UP, Rating.DOWN or None; BadRating otherwise."""
    text = str(value).strip().lower() if value is not None else ""
    if text in _VALUES:
        return _VALUES[text]
    if text in _CLEAR:
        return None
    raise BadRating(f"rating {str(value)[:20]!r} is not up, down or none")


def set_rating(collection: Collection, paper_id: str, value: int | None) -> int | None:
    """The reader's 👍 (1), 👎 (-1) or no rating (None) of a paper in a profile; the profile's
    model retrains after the transaction (coolpapers.ranking's receivers)."""
    with transaction.atomic():
        if value is None:
            Rating.objects.filter(collection=collection, paper_id=paper_id).delete()
        else:
            Rating.objects.update_or_create(
                collection=collection, paper_id=paper_id, defaults={"value": value}
            )
    return value


def ratings_of(collection: Collection, ids: Iterable[str] | None = None) -> dict[str, int]:
    """The profile's ratings by paper id (of `ids` only, when given), in one query."""
    rows = Rating.objects.filter(collection=collection)
    if ids is not None:
        rows = rows.filter(paper_id__in=list(ids))
    return dict(rows.values_list("paper_id", "value"))


# --- read and seen marks, visits ----------------------------------------------------------------


def set_read(user: Any, paper_id: str, read: bool) -> bool:
    if read:
        ReadMark.objects.get_or_create(owner=user, paper_id=paper_id)
    else:
        ReadMark.objects.filter(owner=user, paper_id=paper_id).delete()
    return read


def read_ids(user: Any, ids: Iterable[str]) -> set[str]:
    rows = ReadMark.objects.filter(owner=user, paper_id__in=list(ids))
    return set(rows.values_list("paper_id", flat=True))


def seen_before(user: Any, ids: Iterable[str], before: datetime | None) -> set[str]:
    """Papers among `ids` the reader saw on a For you page before `before` (None: ever)."""
    rows = SeenMark.objects.filter(owner=user, paper_id__in=list(ids))
    if before is not None:
        rows = rows.filter(seen_at__lt=before)
    return set(rows.values_list("paper_id", flat=True))


def seen_at(user: Any, ids: Iterable[str]) -> dict[str, datetime]:
    """When the reader first saw each of `ids` on a For you page (papers never seen left out):
    one query tells both what was seen on an earlier visit and what needs no new mark."""
    rows = SeenMark.objects.filter(owner=user, paper_id__in=list(ids))
    return dict(rows.values_list("paper_id", "seen_at"))


def record_seen(user: Any, ids: Iterable[str]) -> None:
    """Seen marks for the papers a For you page showed (once per paper; later ones ignored)."""
    marks = [SeenMark(owner=user, paper_id=pid) for pid in dict.fromkeys(ids)]
    SeenMark.objects.bulk_create(marks, ignore_conflicts=True)


@dataclass(frozen=True)
class Visit:
    """The reader's current visit to a profile's For you pages: when it began (seen marks from
    before are from an earlier visit), and their previous visit (where catch-up starts)."""

    start: datetime
    since: datetime | None


def visit(collection: Collection, session: MutableMapping[str, Any]) -> Visit:
    """This page view's visit: the one going on (views less than VISIT_GAP apart), or a new
    one starting now. The profile's visited_at becomes now either way."""
    now = timezone.now()
    visits = dict(session.get(SESSION_VISITS) or {})
    key = str(collection.pk)
    kept = visits.get(key)
    current = None
    if isinstance(kept, dict):
        try:
            start = datetime.fromisoformat(kept["start"])
            last = datetime.fromisoformat(kept["last"])
            since = datetime.fromisoformat(kept["since"]) if kept.get("since") else None
            if now - last < VISIT_GAP:
                current = Visit(start, since)
        except (KeyError, TypeError, ValueError):
            current = None
    if current is None:
        current = Visit(now, collection.visited_at)
    visits[key] = {
        "start": current.start.isoformat(),
        "last": now.isoformat(),
        "since": current.since.isoformat() if current.since else None,
    }
    session[SESSION_VISITS] = visits
    Collection.objects.filter(pk=collection.pk).update(visited_at=now)
    collection.visited_at = now
    return current


def existing_ids(ids: Iterable[str]) -> set[str]:
    return set(Paper.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
