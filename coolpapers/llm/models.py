"""Tokens spent per day, in total and per client address: what the daily budget counts."""

from __future__ import annotations

from django.db import models

# The row that holds the day's total over every client (and the calls with no client).
ALL_CLIENTS = "*"


class TokenUsage(models.Model):
    """One day's tokens for one client address, or for everyone (client "*").

    Why a row per (day, client) with F() increments: two workers recording at once add up
    exactly, on SQLite and PostgreSQL alike, and checking the budget is one indexed read.
    """

    day = models.DateField()
    client = models.CharField(max_length=64, help_text='A client address, or "*" for everyone')
    requests = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    completion_tokens = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "client"]
        verbose_name = "daily token count"
        verbose_name_plural = "daily token counts"
        constraints = [
            models.UniqueConstraint(fields=["day", "client"], name="llm_usage_day_client")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.client}: {self.total_tokens} tokens"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
