"""The papers more-like-these chooses from: a daily list as the site shows it, or the papers
first announced in a range of days."""

from __future__ import annotations

from datetime import date
from typing import Any

from coolpapers.interests.like import range_pool
from coolpapers.papers.category_spec import CategorySpec
from coolpapers.papers.daily import DayFinder, day_ids


def like_pool(params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The restriction as the response states it, and the ids of its papers: a day's list as
    the site shows it (the list's latest day without `date`), or the papers first announced
    in a range of days (optionally in a category spec)."""
    spec: CategorySpec | None = params.get("category")
    start, end = params.get("date_from"), params.get("date_to")
    day: date | None = None
    if start is not None:
        pool = range_pool(start, end, spec)
    else:
        assert spec is not None  # LikeParameters.validate: a list or a range
        day = params.get("date") or DayFinder(spec).latest()
        pool = day_ids(spec, day) if day else []
    restriction = {
        "kind": "range" if start is not None else "list",
        "category": str(spec) if spec is not None else None,
        "date": day,
        "date_from": start,
        "date_to": end,
        "pool": len(pool),
    }
    return restriction, pool
