"""The daily token budget: in total (LLM_DAILY_TOKENS) and per client address
(LLM_DAILY_TOKENS_PER_CLIENT); 0 turns a limit off. Days are UTC days.

check() is a read made before a request is sent and record() adds what it cost, so answers that
run at the same moment can each pass check() and together overshoot a limit by at most what
they cost; a limit is a brake on a day's spending, not an exact quota.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from coolpapers.llm.base import BudgetExceeded, Usage
from coolpapers.llm.models import ALL_CLIENTS, TokenUsage


def today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def global_limit() -> int:
    return int(getattr(settings, "LLM_DAILY_TOKENS", 2_000_000))


def client_limit() -> int:
    return int(getattr(settings, "LLM_DAILY_TOKENS_PER_CLIENT", 200_000))


def _spent(day: dt.date, client: str) -> int:
    row = (
        TokenUsage.objects.filter(day=day, client=client)
        .values_list("prompt_tokens", "completion_tokens")
        .first()
    )
    return sum(row) if row else 0


def check(client: str | None) -> None:
    """Raise BudgetExceeded when today's tokens (in total, or this client's) are spent."""
    day = today()
    limit = global_limit()
    if limit and _spent(day, ALL_CLIENTS) >= limit:
        raise BudgetExceeded(
            f"Today's budget for generated answers ({limit:,} tokens) is spent; "
            "new answers can be asked for again after midnight UTC."
        )
    limit = client_limit()
    if client and limit and _spent(day, client) >= limit:
        raise BudgetExceeded(
            f"Your address has used today's share of generated answers ({limit:,} tokens); "
            "you can ask again after midnight UTC. Answers already written stay readable."
        )


def _add(day: dt.date, client: str, usage: Usage) -> None:
    changes = {
        "requests": F("requests") + 1,
        "prompt_tokens": F("prompt_tokens") + usage.prompt_tokens,
        "completion_tokens": F("completion_tokens") + usage.completion_tokens,
    }
    if TokenUsage.objects.filter(day=day, client=client).update(**changes):
        return
    try:
        with transaction.atomic():
            TokenUsage.objects.create(
                day=day,
                client=client,
                requests=1,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
            )
    except IntegrityError:
        # Another process created the day's row between our update and insert: add to it.
        TokenUsage.objects.filter(day=day, client=client).update(**changes)


def record(client: str | None, usage: Usage) -> None:
    """Add what an answer cost to today's total and to the client's own count (if any)."""
    day = today()
    with transaction.atomic():
        _add(day, ALL_CLIENTS, usage)
        if client and client != ALL_CLIENTS:
            _add(day, client[:64], usage)


def usage_today(top: int = 10) -> dict:
    """Today's totals and limits for the admin: the overall count and the busiest clients."""
    day = today()
    everyone = TokenUsage.objects.filter(day=day, client=ALL_CLIENTS).first()
    clients = TokenUsage.objects.filter(day=day).exclude(client=ALL_CLIENTS)
    busiest = clients.annotate(total=F("prompt_tokens") + F("completion_tokens")).order_by(
        "-total", "client"
    )[:top]
    prompt = everyone.prompt_tokens if everyone else 0
    completion = everyone.completion_tokens if everyone else 0
    return {
        "day": day,
        "requests": everyone.requests if everyone else 0,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "limit": global_limit(),
        "per_client_limit": client_limit(),
        "clients": clients.count(),
        "client_tokens": clients.aggregate(total=Sum(F("prompt_tokens") + F("completion_tokens")))[
            "total"
        ]
        or 0,
        "busiest": [(row.client, row.total) for row in busiest],
    }
