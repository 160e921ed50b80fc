"""The state of a signed-in reader's 👍/👎 controls: their current profile and its ratings,
loaded once per request (one query for all the cards of a page), not once per card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from coolpapers.interests import foryou
from coolpapers.library.models import Collection

register = template.Library()


@dataclass(frozen=True)
class RateState:
    profile: Collection | None
    value: int | None  # 1 👍, -1 👎, None

    @property
    def up(self) -> bool:
        return self.value == 1

    @property
    def down(self) -> bool:
        return self.value == -1


def _loaded(request: Any) -> tuple[Collection | None, dict[str, int]]:
    cached = getattr(request, "_foryou_ratings", None)
    if cached is None:
        profile = getattr(request, "_foryou_profile", None)
        if profile is None:
            profile = foryou.current_profile(request.user, request.session)
        ratings = foryou.ratings_of(profile) if profile is not None else {}
        cached = request._foryou_ratings = (profile, ratings)
    return cached


@register.simple_tag(takes_context=True)
def rate_state(context: template.Context, paper_id: str) -> RateState:
    """`{% rate_state paper.arxiv_id as rating %}`: the reader's rating of the paper in their
    current profile (and that profile)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return RateState(None, None)
    profile, ratings = _loaded(request)
    return RateState(profile, ratings.get(paper_id))
