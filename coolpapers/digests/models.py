"""A profile's digest settings, each day's dispatch, and one delivery row per (profile, day).

The delivery row is the digest's idempotence: it is created (unique per profile and day)
before the message goes to the SMTP server, so a chunk that runs twice (a redelivered task,
the dispatcher's later sweep) never mails a reader twice for one day.
"""

from __future__ import annotations

from django.db import models

from coolpapers.library.models import Collection, new_token

DEFAULT_SIZE = 10
MAX_SIZE = 50


class DigestSettings(models.Model):
    """One profile's daily email (off until the reader turns it on) and private Atom feed."""

    collection = models.OneToOneField(Collection, on_delete=models.CASCADE, related_name="digest")
    enabled = models.BooleanField(default=False, help_text="Send the daily email")
    size = models.PositiveSmallIntegerField(
        default=DEFAULT_SIZE, help_text="Papers per email and per day in the feed"
    )
    feed_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="Private feed; empty: none"
    )
    last_sent_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "digest settings"
        verbose_name_plural = "digest settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gte=1, size__lte=MAX_SIZE), name="digest_size_in_range"
            )
        ]

    def __str__(self) -> str:
        return f"digest of collection {self.collection_id}"

    def new_feed_token(self) -> str:
        """A new secret feed address: the old one (if any) stops working at once."""
        self.feed_token = new_token()
        return self.feed_token


class Dispatch(models.Model):
    """The dispatcher's record of an announcement day: when it sent chunks, and how many."""

    day = models.DateField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    swept_at = models.DateTimeField(help_text="Last time pending profiles were sent to workers")
    profiles = models.PositiveIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "dispatches"

    def __str__(self) -> str:
        return f"digests of {self.day}"


class Delivery(models.Model):
    """A profile's digest of one announcement day."""

    SENDING = "sending"  # claimed; a crash here leaves it so (at most once, never twice)
    SENT = "sent"
    FAILED = "failed"  # the SMTP server refused it: a later sweep tries again
    EMPTY = "empty"  # no papers that day: nothing sent
    SKIPPED = "skipped"  # no address to send to, or digests turned off meanwhile
    STATUSES = [(s, s) for s in (SENDING, SENT, FAILED, EMPTY, SKIPPED)]

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="deliveries")
    day = models.DateField()
    status = models.CharField(max_length=8, choices=STATUSES, default=SENDING)
    papers = models.JSONField(default=list, blank=True, help_text="arXiv ids sent, best first")
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "collection"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["collection", "day"], name="one_digest_per_profile_day")
        ]
        indexes = [models.Index(fields=["day", "status"])]

    def __str__(self) -> str:
        return f"{self.day} → {self.collection_id}: {self.status}"
