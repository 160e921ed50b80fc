"""The reader's saved state on cards: which of their collections hold a paper.

A page of 25 cards asks once: the first card loads the reader's saved papers in one query
and keeps them on the request for the others.
"""

from __future__ import annotations

from django import template
from django.http import HttpRequest

from coolpapers.library import services

register = template.Library()

_CACHE = "_library_saved"


def saved_map(request: HttpRequest | None) -> dict[str, set[int]]:
    """Paper id → ids of the reader's collections holding it, once per request."""
    if request is None or not request.user.is_authenticated:
        return {}
    held = getattr(request, _CACHE, None)
    if held is None:
        held = services.saved_collections(request.user)
        setattr(request, _CACHE, held)
    return held


@register.simple_tag(takes_context=True)
def saved_in(context: template.Context, arxiv_id: str) -> list[int]:
    """The ids of the reader's collections holding the paper, sorted (empty: not saved)."""
    return sorted(saved_map(context.get("request")).get(arxiv_id, ()))
