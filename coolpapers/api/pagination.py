"""Page-number pagination shared by the search and the paper list: one envelope, one set of rules.

Django's Paginator takes `count` and then one slice, which suits both a QuerySet and the
search engine's lazy SearchResults (one ranked search per page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from search.service import MAX_RESULTS

DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class Page:
    """One page of items with the envelope's fields (see PageSerializer)."""

    count: int
    next: str | None
    previous: str | None
    results: list[Any]


def reachable(page: int, page_size: int) -> bool:
    """Paging stops at MAX_RESULTS: deeper offsets cost the engine and the database too much."""
    return page * page_size <= MAX_RESULTS


def paginate(request: Request, items: QuerySet | Sequence, page: int, page_size: int) -> Page:
    """The requested page; a page past the end is a 404 that says how many pages there are."""
    paginator = Paginator(items, page_size)
    try:
        current = paginator.page(page)
    except EmptyPage:
        pages = paginator.num_pages
        raise NotFound(
            f"page {page} is past the end: {paginator.count} results "
            f"on {pages} page{'s' if pages != 1 else ''} of {page_size}"
        ) from None
    url = request.build_absolute_uri()
    following = page + 1
    next_url = (
        replace_query_param(url, "page", following)
        if current.has_next() and reachable(following, page_size)
        else None
    )
    previous_url = None
    if current.has_previous():
        previous_url = (
            remove_query_param(url, "page")
            if page == 2
            else replace_query_param(url, "page", page - 1)
        )
    return Page(paginator.count, next_url, previous_url, list(current.object_list))
