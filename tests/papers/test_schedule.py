"""arXiv's announcement calendar: 14:00 ET cutoffs, the weekend gap and DST switches.

Reference weeks: Mon 2024-01-08 .. Mon 2024-01-15 (EST, UTC-5) and Mon 2024-07-08 .. (EDT,
UTC-4). DST began Sun 2024-03-10 and ended Sun 2024-11-03.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coolpapers.papers.schedule import announcement_date, latest_announcement

ET = ZoneInfo("America/New_York")


def et(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ET)


@pytest.mark.parametrize(
    ("submitted", "announced"),
    [
        # Monday..Wednesday: before the cutoff that evening, after it the next evening.
        (et(2024, 1, 8, 9), date(2024, 1, 8)),
        (et(2024, 1, 8, 13, 59), date(2024, 1, 8)),
        (et(2024, 1, 8, 14, 0), date(2024, 1, 9)),
        (et(2024, 1, 9, 23, 59), date(2024, 1, 10)),
        (et(2024, 1, 10, 0, 0), date(2024, 1, 10)),
        # Thursday before the cutoff: Thursday; after it: Sunday.
        (et(2024, 1, 11, 13, 59), date(2024, 1, 11)),
        (et(2024, 1, 11, 14, 0), date(2024, 1, 14)),
        (et(2024, 1, 11, 23, 0), date(2024, 1, 14)),
        # Friday before the cutoff: Sunday; after it: Monday.
        (et(2024, 1, 12, 0, 1), date(2024, 1, 14)),
        (et(2024, 1, 12, 13, 59), date(2024, 1, 14)),
        (et(2024, 1, 12, 14, 0), date(2024, 1, 15)),
        # Saturday, Sunday and Monday before the cutoff: Monday.
        (et(2024, 1, 13, 10), date(2024, 1, 15)),
        (et(2024, 1, 14, 13, 59), date(2024, 1, 15)),
        (et(2024, 1, 14, 14, 0), date(2024, 1, 15)),
        (et(2024, 1, 14, 21, 0), date(2024, 1, 15)),
        (et(2024, 1, 15, 13, 59), date(2024, 1, 15)),
        (et(2024, 1, 15, 14, 0), date(2024, 1, 16)),
        # Summer week, same rules in EDT.
        (et(2024, 7, 11, 13, 59), date(2024, 7, 11)),
        (et(2024, 7, 11, 14, 0), date(2024, 7, 14)),
        (et(2024, 7, 12, 14, 0), date(2024, 7, 15)),
    ],
)
def test_announcement_date_eastern(submitted: datetime, announced: date) -> None:
    assert announcement_date(submitted) == announced


@pytest.mark.parametrize(
    ("submitted_utc", "announced"),
    [
        # Winter: 14:00 EST is 19:00 UTC.
        (datetime(2024, 1, 8, 18, 59, tzinfo=UTC), date(2024, 1, 8)),
        (datetime(2024, 1, 8, 19, 0, tzinfo=UTC), date(2024, 1, 9)),
        # Summer: 14:00 EDT is 18:00 UTC.
        (datetime(2024, 7, 8, 17, 59, tzinfo=UTC), date(2024, 7, 8)),
        (datetime(2024, 7, 8, 18, 0, tzinfo=UTC), date(2024, 7, 9)),
        # Late evening ET is already the next day in UTC; the Eastern date decides.
        (datetime(2024, 1, 12, 3, 0, tzinfo=UTC), date(2024, 1, 14)),  # Thu 22:00 EST
        (datetime(2024, 1, 13, 2, 0, tzinfo=UTC), date(2024, 1, 15)),  # Fri 21:00 EST
        # Other offsets are converted too: 20:00 CET is 14:00 EST.
        (datetime(2024, 1, 8, 19, 59, tzinfo=ZoneInfo("Europe/Berlin")), date(2024, 1, 8)),
        (datetime(2024, 1, 8, 20, 0, tzinfo=ZoneInfo("Europe/Berlin")), date(2024, 1, 9)),
    ],
)
def test_announcement_date_from_other_zones(submitted_utc: datetime, announced: date) -> None:
    assert announcement_date(submitted_utc) == announced


@pytest.mark.parametrize(
    ("submitted_utc", "announced"),
    [
        # Friday 2024-03-08 is still EST (cutoff 19:00 UTC) ...
        (datetime(2024, 3, 8, 18, 59, tzinfo=UTC), date(2024, 3, 10)),
        (datetime(2024, 3, 8, 19, 0, tzinfo=UTC), date(2024, 3, 11)),
        # ... Sunday 2024-03-10 switches at 02:00; Monday's cutoff is 18:00 UTC.
        (datetime(2024, 3, 10, 6, 59, tzinfo=UTC), date(2024, 3, 11)),  # 01:59 EST
        (datetime(2024, 3, 10, 7, 0, tzinfo=UTC), date(2024, 3, 11)),  # 03:00 EDT
        (datetime(2024, 3, 11, 17, 59, tzinfo=UTC), date(2024, 3, 11)),
        (datetime(2024, 3, 11, 18, 0, tzinfo=UTC), date(2024, 3, 12)),
        (datetime(2024, 3, 11, 18, 30, tzinfo=UTC), date(2024, 3, 12)),  # 13:30 in EST terms
        # Friday 2024-11-01 is EDT (cutoff 18:00 UTC); after 2024-11-03 it is 19:00 UTC.
        (datetime(2024, 11, 1, 17, 59, tzinfo=UTC), date(2024, 11, 3)),
        (datetime(2024, 11, 1, 18, 0, tzinfo=UTC), date(2024, 11, 4)),
        (datetime(2024, 11, 4, 18, 30, tzinfo=UTC), date(2024, 11, 4)),  # 13:30 EST
        (datetime(2024, 11, 4, 19, 0, tzinfo=UTC), date(2024, 11, 5)),
    ],
)
def test_announcement_date_across_dst_switches(submitted_utc: datetime, announced: date) -> None:
    assert announcement_date(submitted_utc) == announced


@pytest.fixture
def server_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make the process's local zone UTC+9, so treating naive times as local would show."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("server_in_tokyo")
def test_naive_datetimes_are_utc() -> None:
    assert announcement_date(datetime(2024, 1, 8, 18, 59)) == date(2024, 1, 8)
    assert announcement_date(datetime(2024, 1, 8, 19, 0)) == date(2024, 1, 9)
    # 01:00 UTC Tuesday is 20:00 EST Monday: Monday's list is out.
    assert latest_announcement(datetime(2024, 1, 9, 1, 0)) == date(2024, 1, 8)
    assert latest_announcement(datetime(2024, 1, 9, 0, 59)) == date(2024, 1, 7)


@pytest.mark.parametrize(
    ("now", "latest"),
    [
        (et(2024, 1, 8, 19, 59), date(2024, 1, 7)),  # Monday before 20:00: Sunday's
        (et(2024, 1, 8, 20, 0), date(2024, 1, 8)),
        (et(2024, 1, 9, 10, 0), date(2024, 1, 8)),
        (et(2024, 1, 11, 20, 0), date(2024, 1, 11)),
        (et(2024, 1, 12, 21, 0), date(2024, 1, 11)),  # no list on Friday ...
        (et(2024, 1, 13, 21, 0), date(2024, 1, 11)),  # ... or Saturday
        (et(2024, 1, 14, 19, 59), date(2024, 1, 11)),
        (et(2024, 1, 14, 20, 0), date(2024, 1, 14)),
        (datetime(2024, 1, 9, 0, 59, tzinfo=UTC), date(2024, 1, 7)),  # 19:59 EST
        (datetime(2024, 1, 9, 1, 0, tzinfo=UTC), date(2024, 1, 8)),  # 20:00 EST
        (datetime(2024, 7, 9, 0, 0, tzinfo=UTC), date(2024, 7, 8)),  # 20:00 EDT
    ],
)
def test_latest_announcement(now: datetime, latest: date) -> None:
    assert latest_announcement(now) == latest


def test_every_half_hour_of_a_year_is_consistent() -> None:
    """Lists are Sunday..Thursday, within four days, and out by the time the harvest looks."""
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    while moment < datetime(2025, 1, 1, tzinfo=UTC):
        announced = announcement_date(moment)
        local_day = moment.astimezone(ET).date()
        assert announced.weekday() not in (4, 5), moment
        assert local_day <= announced <= local_day + timedelta(days=3), moment
        evening = datetime.combine(announced, datetime.min.time(), ET).replace(hour=20)
        assert latest_announcement(evening) == announced, moment
        moment += timedelta(minutes=30)
