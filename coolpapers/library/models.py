"""What a signed-in reader keeps: collections of papers with notes, 👍/👎, read and seen marks.

A collection is also an interest profile (`is_profile`): its saved papers and its ratings
train the profile's model (coolpapers.ranking), its keywords start a profile with none.
Every reader has at least one collection, made with the account (`ensure_default`).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models, transaction

from coolpapers.papers.models import Paper

DEFAULT_COLLECTION = "Reading list"


def new_token() -> str:
    """A secret for a URL (share links, private feeds): 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class Collection(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_profile = models.BooleanField(
        default=True, help_text="An interest profile: ranks For you and sends a digest"
    )
    keywords = models.TextField(
        blank=True, help_text="Comma-separated keywords that start a profile with no ratings"
    )
    share_token = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="Read-only link; empty: private",
    )
    # The reader's last look at this profile's For you page: the catch-up starts after it.
    visited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["owner", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="one_collection_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name


class SavedPaper(models.Model):
    """A paper in a collection, with the reader's note (Markdown + LaTeX, raw HTML off)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="saved_in")
    note = models.TextField(blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "paper"], name="paper_once_per_collection"
            )
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.collection_id}"


class Rating(models.Model):
    """👍 (+1) or 👎 (-1) for a paper within one profile: separate interests rate apart."""

    UP, DOWN = 1, -1

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="ratings")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="ratings")
    value = models.SmallIntegerField(choices=[(UP, "👍"), (DOWN, "👎")])
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-rated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "paper"], name="one_rating_per_profile"),
            models.CheckConstraint(
                condition=models.Q(value__in=(1, -1)), name="rating_is_up_or_down"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_value_display()} {self.paper_id}"


class ReadMark(models.Model):
    """The reader marked the paper read (by hand, or by opening it from For you)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_marks"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "paper"], name="read_once")]

    def __str__(self) -> str:
        return f"{self.paper_id} read"


class SeenMark(models.Model):
    """The paper was on a For you page the reader saw: dimmed in later catch-ups."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seen_marks"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "paper"], name="seen_once")]

    def __str__(self) -> str:
        return f"{self.paper_id} seen"


def ensure_default(user) -> Collection:
    """The reader's first collection, made on first need (sign-up, first save or rating)."""
    with transaction.atomic():
        first = Collection.objects.filter(owner=user).order_by("created_at", "pk").first()
        if first is not None:
            return first
        collection, _ = Collection.objects.get_or_create(owner=user, name=DEFAULT_COLLECTION)
        return collection
