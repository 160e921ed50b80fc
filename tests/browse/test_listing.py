"""The day-list functions without HTTP (coolpapers/browse/listing.py)."""

from __future__ import annotations

from datetime import date

import pytest

from coolpapers.browse import listing
from coolpapers.browse.listing import BadParameter, Sort
from coolpapers.papers import daily
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.daily import DayFinder
from coolpapers.papers.models import Announcement, PaperCategory
from tests.browse.conftest import SAMPLE_BUSY_DAY

pytestmark = pytest.mark.django_db

SPECS = ["cs.CV", "cs.CL", "cs.AI+cs.CV-cs.LG", "astro-ph.GA", "hep-lat", "eess.IV,cs.RO"]


def brute_force_days(spec_text: str) -> list[date]:
    spec = parse_spec(spec_text)
    days = set()
    for announcement in Announcement.objects.all():
        codes = set(
            PaperCategory.objects.filter(paper_id=announcement.paper_id).values_list(
                "category_id", flat=True
            )
        )
        if codes & spec.include_codes and not codes & spec.exclude_codes:
            days.add(announcement.date)
    return sorted(days)


@pytest.mark.parametrize("small_spec", [0, 10**9], ids=["from-dates", "from-categories"])
@pytest.mark.parametrize("spec_text", SPECS)
def test_both_day_strategies_find_the_same_days(sample_papers, monkeypatch, small_spec, spec_text):
    monkeypatch.setattr(daily, "SMALL_SPEC", small_spec)
    expected = brute_force_days(spec_text)
    finder = DayFinder(parse_spec(spec_text))
    if expected:
        assert finder.small is (small_spec > 0)
    assert finder.latest() == (expected[-1] if expected else None)
    for day in [*expected, date(2025, 3, 20), date(2000, 1, 1), date(2030, 1, 1)]:
        before = [d for d in expected if d < day]
        after = [d for d in expected if d > day]
        assert finder.before(day) == (before[-1] if before else None)
        assert finder.after(day) == (after[0] if after else None)


def test_pages_cover_the_day_once(sample_papers):
    spec = parse_spec("cs.CV,cs.AI")
    counts = listing.day_counts(spec, SAMPLE_BUSY_DAY)
    assert counts.pages == 2 and counts.total == 50
    ids = []
    for sort in (Sort.STARS, Sort.ARXIV):  # Sort.PREFER: tests/related/test_views.py
        pages = [
            listing.day_page(spec, SAMPLE_BUSY_DAY, sort=sort, page=number)
            for number in range(1, counts.pages + 1)
        ]
        assert [page.has_next for page in pages] == [True] * (counts.pages - 1) + [False]
        assert pages[-1].last_number == counts.total
        ids = [entry.paper.pk for page in pages for entry in page.entries]
        assert len(ids) == len(set(ids)) == counts.total
    assert [p.pk for p in listing.day_papers(spec, SAMPLE_BUSY_DAY)] == ids
    beyond = listing.day_page(spec, SAMPLE_BUSY_DAY, page=counts.pages + 1)
    assert beyond.entries == [] and not beyond.has_next


def test_entries_carry_kind_stars_and_ordered_categories(sample_papers):
    spec = parse_spec("cs.CV")
    entries = [
        entry
        for number in (1, 2)
        for entry in listing.day_page(spec, SAMPLE_BUSY_DAY, page=number).entries
    ]
    assert len(entries) == 50
    kinds = [entry.kind for entry in entries]
    assert kinds == sorted(kinds, key=["new", "cross", "replace"].index)
    for entry in entries:
        assert entry.stars == 0
        assert entry.kind == ("new" if entry.paper.primary_category_id == "cs.CV" else "cross")
        assert [chip.primary for chip in entry.categories] == [True] + [False] * (
            len(entry.categories) - 1
        )
        assert [chip.code for chip in entry.categories] == entry.paper.category_codes
        assert entry.categories[0].name == entry.paper.primary_category.name


def test_category_counts(sample_papers):
    counts = listing.category_counts(SAMPLE_BUSY_DAY)
    assert counts["cs.CV"] == 50
    assert counts["cs.AI"] == 13
    assert listing.latest_announcement_day() == date(2026, 4, 27)


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (listing.parse_day, None, None),
        (listing.parse_day, "", None),
        (listing.parse_day, "2025-03-18", date(2025, 3, 18)),
        (listing.parse_page, None, 1),
        (listing.parse_page, "7", 7),
        (listing.parse_sort, None, Sort.ARXIV),
        (listing.parse_sort, "stars", Sort.STARS),
    ],
)
def test_parameters(parse, text, value):
    assert parse(text) == value


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (listing.parse_day, "20250318"),
        (listing.parse_day, "2025-13-01"),
        (listing.parse_day, "\uff12\uff10\uff12\uff15-03-18"),  # full-width digits
        (listing.parse_page, "-1"),
        (listing.parse_page, "\u0661"),  # Arabic-Indic one
        (listing.parse_page, "100001"),
        (listing.parse_sort, "STARS"),
    ],
)
def test_bad_parameters(parse, text):
    with pytest.raises(BadParameter):
        parse(text)
