"""What happens when an account is made: its first collection, "Reading list"."""

from __future__ import annotations

from typing import Any

from coolpapers.library.models import ensure_default


def make_default_collection(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Every reader has a collection to save into and rate in from the first page."""
    ensure_default(user)
