"""arXiv's announcement schedule, for sources that give a submission time but no listing date.

Submissions are due at 14:00 US Eastern and announced at 20:00 Eastern the same day, Sunday
to Thursday: Thursday-after-14:00 to Friday-14:00 goes out on Sunday, Friday-after-14:00 to
Monday-14:00 on Monday. Holidays are not modelled.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
ANNOUNCE_TIME = time(20, 0)


def _eastern(moment: datetime) -> datetime:
    """Eastern wall time; naive datetimes are UTC, never the server's local zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(EASTERN)


def announcement_date(submitted: datetime) -> date:
    """The (Eastern) date of the daily list on which a submission made at `submitted` appears."""
    local = _eastern(submitted)
    deadline = local.date() if local.time() < CUTOFF else local.date() + timedelta(days=1)
    weekday = deadline.weekday()  # Monday == 0
    if weekday <= 3:  # Monday..Thursday deadlines are announced that evening
        return deadline
    if weekday == 4:  # Friday's deadline goes out on Sunday evening
        return deadline + timedelta(days=2)
    return deadline + timedelta(days=7 - weekday)  # weekend: Monday


def latest_announcement(now: datetime) -> date:
    """The most recent announcement date at or before `now` (used by the daily harvest)."""
    local = _eastern(now)
    day = local.date() if local.time() >= ANNOUNCE_TIME else local.date() - timedelta(days=1)
    while day.weekday() in (4, 5):  # no announcements on Friday and Saturday
        day -= timedelta(days=1)
    return day
