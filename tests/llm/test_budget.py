"""The daily token budget: in total and per client address, counted atomically."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import override_settings

from coolpapers.llm import budget
from coolpapers.llm.base import BudgetExceeded, Usage
from coolpapers.llm.models import ALL_CLIENTS, TokenUsage

pytestmark = pytest.mark.django_db


def test_record_counts_per_client_and_in_total():
    budget.record("203.0.113.7", Usage(100, 20))
    budget.record("203.0.113.7", Usage(50, 5))
    budget.record("198.51.100.1", Usage(10, 1))
    budget.record(None, Usage(1000, 100))  # a staff batch: the total only
    rows = {
        row.client: (row.requests, row.prompt_tokens, row.completion_tokens)
        for row in TokenUsage.objects.all()
    }
    assert rows == {
        ALL_CLIENTS: (4, 1160, 126),
        "203.0.113.7": (2, 150, 25),
        "198.51.100.1": (1, 10, 1),
    }
    usage = budget.usage_today()
    assert usage["day"] == budget.today()
    assert (usage["requests"], usage["total_tokens"]) == (4, 1286)
    assert usage["clients"] == 2 and usage["client_tokens"] == 186
    assert usage["busiest"] == [("203.0.113.7", 175), ("198.51.100.1", 11)]
    assert usage["limit"] == 2_000_000 and usage["per_client_limit"] == 200_000


@override_settings(LLM_DAILY_TOKENS=1000, LLM_DAILY_TOKENS_PER_CLIENT=300)
def test_a_client_over_its_share_is_refused_and_others_are_not():
    budget.check("203.0.113.7")
    budget.record("203.0.113.7", Usage(250, 49))
    budget.check("203.0.113.7")  # 299 < 300
    budget.record("203.0.113.7", Usage(0, 1))
    with pytest.raises(BudgetExceeded, match=r"Your address has used today's share .*300 tokens"):
        budget.check("203.0.113.7")
    budget.check("198.51.100.1")
    budget.check(None)


@override_settings(LLM_DAILY_TOKENS=1000, LLM_DAILY_TOKENS_PER_CLIENT=300)
def test_the_global_budget_stops_everyone():
    for n in range(4):
        budget.record(f"198.51.100.{n}", Usage(200, 50))
    with pytest.raises(BudgetExceeded, match=r"Today's budget .*\(1,000 tokens\) is spent"):
        budget.check("203.0.113.9")
    with pytest.raises(BudgetExceeded):
        budget.check(None)


@override_settings(LLM_DAILY_TOKENS=0, LLM_DAILY_TOKENS_PER_CLIENT=0)
def test_zero_turns_the_limits_off():
    budget.record("203.0.113.7", Usage(10**9, 10**9))
    budget.check("203.0.113.7")


def test_yesterdays_tokens_do_not_count_today(monkeypatch):
    with override_settings(LLM_DAILY_TOKENS=100):
        yesterday = budget.today() - dt.timedelta(days=1)
        monkeypatch.setattr(budget, "today", lambda: yesterday)
        budget.record("203.0.113.7", Usage(500, 500))
        with pytest.raises(BudgetExceeded):
            budget.check(None)
        monkeypatch.undo()
        budget.check(None)
        budget.check("203.0.113.7")


@pytest.mark.django_db(transaction=True)
def test_two_threads_recording_at_once_lose_nothing():
    """Both threads start on a day with no row yet (the insert race) and keep adding."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def spend(client: str) -> None:
        try:
            start.wait()
            for _ in range(25):
                budget.record(client, Usage(3, 1))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=spend, args=(c,)) for c in ("10.0.0.1", "10.0.0.1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    everyone = TokenUsage.objects.get(client=ALL_CLIENTS)
    client = TokenUsage.objects.get(client="10.0.0.1")
    assert (everyone.requests, everyone.prompt_tokens, everyone.completion_tokens) == (50, 150, 50)
    assert (client.requests, client.total_tokens) == (50, 200)


def test_the_admin_shows_todays_totals(admin_client):
    budget.record("203.0.113.7", Usage(1200, 34))
    page = admin_client.get("/admin/llm/tokenusage/")
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    assert "<strong>1,234</strong> tokens of 2,000,000 (0.1 %)" in text
    assert "203.0.113.7" in text and "everyone (the day" in text
    assert admin_client.get("/admin/llm/tokenusage/add/").status_code == 403
