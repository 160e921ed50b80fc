"""Daily lists: which day a list shows, what is on it and in which order, one page at a time.

Plain functions over the ORM, testable without HTTP. Every function issues a fixed number of
queries whatever the list's length (the view tests count them).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from django.db.models import (
    Count,
    Max,
    Prefetch,
)

from coolpapers.browse.stars import star_count
from coolpapers.interests.foryou import ranked_ids
from coolpapers.interests.order import preferred_order
from coolpapers.library.models import Collection
from coolpapers.papers.announcements import ANNOUNCE_NEW
from coolpapers.papers.category_spec import CategorySpec
from coolpapers.papers.daily import KINDS, day_ids, day_rows
from coolpapers.papers.models import Announcement, Paper, PaperCategory
from coolpapers.related.services import stored_keywords
from coolpapers.web.paging import BadPage, Numbered
from coolpapers.web.paging import parse_page as parse_page_number

PAGE_SIZE = 25
# A page number is at most this (a bigger one is a malformed request, not a missing page).
MAX_PAGE = 100_000
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class Sort(StrEnum):
    ARXIV = "arxiv"
    STARS = "stars"
    # The reader's papers (like=) in semantic mode, else their keywords (kw=):
    # coolpapers.interests.order.
    PREFER = "prefer"
    # A signed-in reader's current interest profile: coolpapers.interests.foryou.
    FORYOU = "foryou"


class BadParameter(ValueError):
    """A query parameter the reader can fix (400), with the reason."""


class CategoryChip(NamedTuple):
    code: str
    name: str
    primary: bool


def chips(links: Iterable[PaperCategory]) -> list[CategoryChip]:
    """Chips from a paper's category links prefetched with their categories."""
    ordered = sorted(links, key=lambda link: link.position)
    return [
        CategoryChip(link.category_id, link.category.name, link.position == 0) for link in ordered
    ]


@dataclass(frozen=True)
class Entry:
    """One paper on a daily list, as announced that day."""

    paper: Paper
    kind: str  # one of KINDS, as seen from the list's spec
    stars: int
    categories: list[CategoryChip]  # primary first
    keywords: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DayCounts:
    new: int = 0
    cross: int = 0
    replace: int = 0

    @property
    def total(self) -> int:
        return self.new + self.cross + self.replace

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))


def parse_day(text: str | None) -> date | None:
    """`?date=YYYY-MM-DD`; empty or missing means "the latest day"."""
    if not text:
        return None
    try:
        if _ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BadParameter(f"date={text[:40]!r} is not a date; use YYYY-MM-DD, e.g. 2026-08-21")


def parse_page(text: str | None) -> int:
    try:
        return parse_page_number(text, MAX_PAGE)
    except BadPage as error:
        reason = f"page={error.args[0]!r} is not a page number (1 to {MAX_PAGE})"
        raise BadParameter(reason) from None


def parse_sort(text: str | None) -> Sort:
    try:
        return Sort(text or Sort.ARXIV)
    except ValueError:
        raise BadParameter(
            f"sort={text[:40]!r} is unknown; use sort=stars, sort=prefer, sort=foryou or none"
        ) from None


def day_counts(spec: CategorySpec, day: date) -> DayCounts:
    by_rank = dict(day_rows(spec, day).order_by().values_list("rank").annotate(n=Count("pk")))
    return DayCounts(*(by_rank.get(rank, 0) for rank in range(len(KINDS))))


@dataclass(frozen=True)
class DayPage(Numbered):
    """One page of a day's list; `has_next` is known without counting the whole day."""

    size = PAGE_SIZE
    number: int
    entries: list[Entry]
    has_next: bool


def _chips_by_paper(ids: list[str]) -> dict[str, list[CategoryChip]]:
    """Categories as plain tuples in one query: cheaper than prefetching model instances."""
    by_paper: dict[str, list[CategoryChip]] = defaultdict(list)
    links = (
        PaperCategory.objects.filter(paper_id__in=ids)
        .order_by("position")
        .values_list("paper_id", "category_id", "category__name", "position")
    )
    for paper_id, code, name, position in links:
        by_paper[paper_id].append(CategoryChip(code, name, position == 0))
    return by_paper


def day_page(
    spec: CategorySpec,
    day: date,
    *,
    sort: Sort = Sort.ARXIV,
    page: int = 1,
    keywords: tuple[str, ...] = (),
    liked: tuple[str, ...] = (),
    profile: Collection | None = None,
) -> DayPage:
    """A page of the day in arXiv order (new, cross, replaced; by id), by stars, or by the
    reader's interests (Sort.PREFER): cosine to their `liked` papers, else the BM25 score of
    their `keywords` (see preferred_order), or by the reader's `profile` (Sort.FORYOU)."""
    pages = range(page, page + 1)
    return day_pages(
        spec, day, sort=sort, pages=pages, keywords=keywords, liked=liked, profile=profile
    )[0]


def day_pages(
    spec: CategorySpec,
    day: date,
    *,
    sort: Sort = Sort.ARXIV,
    pages: range,
    keywords: tuple[str, ...] = (),
    liked: tuple[str, ...] = (),
    profile: Collection | None = None,
) -> list[DayPage]:
    """Consecutive pages of the day (see day_page), in as many queries as one page: a whole
    page for `?page=N` shows the pages before N too (coolpapers.web.paging.shown_pages).

    Pages past the end of the day are left out, but the first one is always there (empty
    when the whole range is past the end).
    """
    rows = (
        day_rows(spec, day)
        .annotate(stars=star_count("paper_id"))
        .select_related("paper", "paper__related_state")
    )
    start = (pages.start - 1) * PAGE_SIZE
    size = len(pages) * PAGE_SIZE
    if sort in (Sort.PREFER, Sort.FORYOU):
        ids = day_ids(spec, day)
        if sort is Sort.FORYOU:
            ranked = ranked_ids(profile, ids) if profile is not None else ids
        else:
            ranked = preferred_order(ids, keywords, liked)
        window = ranked[start : start + size + 1]
        by_id = {row.paper_id: row for row in rows.filter(paper_id__in=window)}
        fetched = [by_id[pid] for pid in window if pid in by_id]
    else:
        order = ("rank", "paper_id") if sort is Sort.ARXIV else ("-stars", "rank", "paper_id")
        # One row more than the pages tells whether another page follows.
        fetched = list(rows.order_by(*order)[start : start + size + 1])
    shown = fetched[:size]
    by_paper = _chips_by_paper([row.paper_id for row in shown])
    entries = [
        Entry(
            row.paper,
            KINDS[row.rank],
            row.stars,
            by_paper[row.paper_id],
            stored_keywords(row.paper),
        )
        for row in shown
    ]
    result = []
    for offset, number in enumerate(pages):
        lo, hi = offset * PAGE_SIZE, (offset + 1) * PAGE_SIZE
        if entries[lo:hi] or not result:
            result.append(DayPage(number, entries[lo:hi], len(fetched) > hi))
    return result


def paper_entries(ids: list[str]) -> list[Entry]:
    """Entries for these papers in this order (missing ones left out), in two queries."""
    papers = (
        Paper.objects.filter(pk__in=ids)
        .annotate(star_total=star_count())
        .select_related("related_state")
    )
    by_id = {paper.pk: paper for paper in papers}
    by_paper = _chips_by_paper(list(by_id))
    return [
        Entry(
            by_id[pid],
            ANNOUNCE_NEW,
            by_id[pid].star_total,
            by_paper[pid],
            stored_keywords(by_id[pid]),
        )
        for pid in ids
        if pid in by_id
    ]


def day_papers(spec: CategorySpec, day: date) -> list[Paper]:
    """The whole day in arXiv order, for feeds; two queries however many papers."""
    links = PaperCategory.objects.order_by("position")
    rows = (
        day_rows(spec, day)
        .select_related("paper")
        .prefetch_related(Prefetch("paper__category_links", queryset=links))
        .order_by("rank", "paper_id")
    )
    return [row.paper for row in rows]


def latest_announcement_day() -> date | None:
    return Announcement.objects.aggregate(day=Max("date"))["day"]


def category_counts(day: date) -> dict[str, int]:
    """Papers per category code announced on `day` (new, cross-listed or replaced)."""
    announced = Announcement.objects.filter(date=day).values("paper_id")
    counts = (
        PaperCategory.objects.filter(paper_id__in=announced)
        .order_by()
        .values_list("category_id")
        .annotate(n=Count("pk"))
    )
    return dict(counts)
