"""What a daily list holds: the days a category spec has papers on, and a day's papers in
arXiv's order (new submissions, cross-lists, replacements). Plain queries over the papers;
the pages (browse) and the pools of the ❤ sort and of more-like-these (interests) share them.
"""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from coolpapers.papers.announcements import ANNOUNCE_CROSS, ANNOUNCE_NEW, ANNOUNCE_REPLACE
from coolpapers.papers.category_spec import CategorySpec, filter_papers
from coolpapers.papers.models import Announcement, PaperCategory

# Specs with fewer category links than this find their days from the categories' side; bigger
# ones from the newest announcements backwards, which stops at once for a busy list.
SMALL_SPEC = 1000

# Announcements of a day in arXiv's order: new submissions, cross-lists, replacements.
KINDS = (ANNOUNCE_NEW, ANNOUNCE_CROSS, ANNOUNCE_REPLACE)


class DayFinder:
    """The days a spec has papers on: the latest, and the neighbours of a given day."""

    def __init__(self, spec: CategorySpec):
        self.spec = spec
        self._small: bool | None = None

    @property
    def small(self) -> bool:
        if self._small is None:
            links = PaperCategory.objects.filter(category_id__in=self.spec.include_codes)
            self._small = not links.values("pk")[SMALL_SPEC : SMALL_SPEC + 1].exists()
        return self._small

    def _announcements(self) -> QuerySet[Announcement]:
        if not self.small:
            return filter_papers(Announcement.objects.all(), self.spec, "paper_id")
        # Few papers: start from them (an IN over the category index), not from the dates.
        papers = PaperCategory.objects.filter(category_id__in=self.spec.include_codes)
        rows = Announcement.objects.filter(paper_id__in=papers.values("paper_id"))
        if self.spec.exclude:
            excluded = PaperCategory.objects.filter(
                paper_id=OuterRef("paper_id"), category_id__in=self.spec.exclude_codes
            )
            rows = rows.exclude(Exists(excluded))
        return rows

    def _last(self, rows: QuerySet[Announcement]) -> date | None:
        if self.small:
            return rows.aggregate(day=Max("date"))["day"]
        return rows.order_by("-date").values_list("date", flat=True).first()

    def _first(self, rows: QuerySet[Announcement]) -> date | None:
        if self.small:
            return rows.aggregate(day=Min("date"))["day"]
        return rows.order_by("date").values_list("date", flat=True).first()

    def latest(self) -> date | None:
        return self._last(self._announcements())

    def before(self, day: date) -> date | None:
        return self._last(self._announcements().filter(date__lt=day))

    def after(self, day: date) -> date | None:
        return self._first(self._announcements().filter(date__gt=day))


def _kind_rank(spec: CategorySpec) -> Case:
    """0 new, 1 cross-list, 2 replacement; a new paper outside the spec's primary categories
    is a cross-list of this list even when arXiv announced it as new."""
    return Case(
        When(kind=ANNOUNCE_REPLACE, then=Value(2)),
        When(
            Q(kind=ANNOUNCE_CROSS) | ~Q(paper__primary_category_id__in=spec.include_codes),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def day_rows(spec: CategorySpec, day: date) -> QuerySet[Announcement]:
    rows = filter_papers(Announcement.objects.filter(date=day), spec, "paper_id")
    return rows.annotate(rank=_kind_rank(spec))


def day_ids(spec: CategorySpec, day: date) -> list[str]:
    """The ids on the day's list in arXiv order, in one query (the pool of the ❤ sort and of
    the API's more-like-these)."""
    rows = day_rows(spec, day).order_by("rank", "paper_id")
    return list(rows.values_list("paper_id", flat=True))
