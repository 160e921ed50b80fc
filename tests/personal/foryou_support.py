"""Fixtures of the For you tests (tests/personal/test_foryou*.py, tests/interests/test_foryou*.py):
a signed-in reader with a profile, over the real sample papers with their BM25 model."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from coolpapers.library.models import Collection, ensure_default
from coolpapers.papers.models import Announcement

PASSWORD = "a long test password 18"
# The fixtures (`from tests.personal.foryou_support import *` makes them the module's).
__all__ = ["own_cache", "profile", "reader", "signed_in", "sync_training"]


@pytest.fixture
def sync_training(settings) -> None:
    """Profiles train in the request that changes them (no broker in these tests)."""
    settings.RANKING_TRAINING = "sync"


@pytest.fixture
def own_cache(settings) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "you"}
    }


@pytest.fixture
def reader(db):
    return get_user_model().objects.create_user("reader", "reader@example.org", PASSWORD)


@pytest.fixture
def profile(reader) -> Collection:
    return ensure_default(reader)


@pytest.fixture
def signed_in(client, reader, own_cache):
    client.force_login(reader)
    return client


def latest_day() -> date:
    return Announcement.objects.filter(kind__in=("new", "cross")).latest("date").date


def day_ids(day: date) -> list[str]:
    rows = Announcement.objects.filter(date=day, kind__in=("new", "cross"))
    return sorted(rows.values_list("paper_id", flat=True))


def busiest_day() -> date:
    from django.db.models import Count

    row = (
        Announcement.objects.filter(kind__in=("new", "cross"))
        .values("date")
        .annotate(n=Count("pk"))
        .order_by("-n", "date")
        .first()
    )
    return row["date"]
