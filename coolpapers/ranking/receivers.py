"""A profile trains again after each change of its ratings, saved papers or keywords.

Bulk writes (bulk_create, queryset.delete) send no signals: their callers call
profiles.request_training, and rank() also notices a profile whose counts changed since its
model was trained and asks for a training then.
"""

from __future__ import annotations

from typing import Any

from coolpapers.library.models import Collection, Rating, SavedPaper
from coolpapers.ranking.profiles import request_training


def item_changed(sender: Any, instance: Rating | SavedPaper, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    request_training(instance.collection_id)


def collection_saved(sender: Any, instance: Collection, created: bool, **kwargs: Any) -> None:
    """Keywords changed (or a new profile with keywords): train with the new ones."""
    if kwargs.get("raw") or not instance.is_profile:
        return
    fields = kwargs.get("update_fields")
    if fields is not None and "keywords" not in fields:
        return
    from coolpapers.ranking.models import ProfileModel

    trained = ProfileModel.objects.filter(collection=instance).values_list("keywords", flat=True)
    before = trained.first()
    if (before is None and instance.keywords.strip()) or (
        before is not None and before != instance.keywords
    ):
        request_training(instance.pk)
