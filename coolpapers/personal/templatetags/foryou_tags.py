"""A signed-in reader's 👍/👎 controls on cards: their current profile and its ratings are
loaded once per request (one query for all the cards of a page), not once per card, and the
controls are built here in Python: a For you page renders 25 of them for each reader, and
the template engine spent about 0.2 ms on each."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from coolpapers.browse.templatetags.browse import paper_url
from coolpapers.interests import foryou
from coolpapers.library.models import Collection
from coolpapers.papers.models import Paper

register = template.Library()


def _loaded(request: Any) -> tuple[Collection | None, dict[str, int]]:
    cached = getattr(request, "_foryou_ratings", None)
    if cached is None:
        profile = getattr(request, "_foryou_profile", None)
        if profile is None:
            profile = foryou.current_profile(request.user, request.session)
        ratings = foryou.ratings_of(profile) if profile is not None else {}
        cached = request._foryou_ratings = (profile, ratings)
    return cached


_BUTTON = (
    '<button type="submit" class="action rate-button rate-{}" name="value" value="{}" '
    'aria-pressed="{}" title="{}"><span class="rate-icon" aria-hidden="true"></span>'
    '<span class="visually-hidden">{}</span></button>'
)


@register.simple_tag(takes_context=True)
def rate_control(context: template.Context, paper: Paper) -> SafeString | str:
    """`{% rate_control paper %}`: 👍 and 👎 for the paper in the reader's current profile, a
    form that works without JS (foryou.js posts it with fetch); nothing without a profile."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    profile, ratings = _loaded(request)
    if profile is None:
        return ""
    value = ratings.get(paper.arxiv_id)
    name = {"profile": profile.name}
    up = format_html(
        _BUTTON,
        "up",
        "none" if value == 1 else "up",
        "true" if value == 1 else "false",
        gettext("More like this in %(profile)s") % name,
        gettext("More like this (%(profile)s)") % name,
    )
    down = format_html(
        _BUTTON,
        "down",
        "none" if value == -1 else "down",
        "true" if value == -1 else "false",
        gettext("Less like this in %(profile)s") % name,
        gettext("Less like this (%(profile)s)") % name,
    )
    token = context.get("csrf_token")
    return format_html(
        '<form class="rate-form" method="post" action="{}" data-paper="{}">{}'
        '<input type="hidden" name="profile" value="{}">'
        '<input type="hidden" name="next" value="{}">\n  {}\n  {}\n'
        '  <span class="rate-status visually-hidden" role="status"></span>\n</form>\n',
        paper_url(paper.arxiv_id, "foryou:rate"),
        paper.arxiv_id,
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"
        else "",
        profile.pk,
        request.get_full_path(),
        up,
        down,
    )
