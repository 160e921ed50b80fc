"""Paging rules shared by every list: links, the end of the list, the depth limit."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from coolpapers.api.pagination import paginate
from search.service import MAX_RESULTS


def request(**params) -> Request:
    return Request(APIRequestFactory().get("/api/search", {"q": "x", **params}))


def query(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert parts[:3] == ("http", "testserver", "/api/search")
    return parse_qs(parts.query)


def test_links_keep_the_other_parameters():
    page = paginate(request(page=2, page_size=10), list(range(35)), page=2, page_size=10)

    assert page.count == 35
    assert page.results == list(range(10, 20))
    assert query(page.next) == {"q": ["x"], "page": ["3"], "page_size": ["10"]}
    assert query(page.previous) == {"q": ["x"], "page_size": ["10"]}


def test_no_next_link_beyond_the_reachable_depth():
    items = list(range(MAX_RESULTS + 50))
    last = MAX_RESULTS // 25

    page = paginate(request(page=last), items, page=last, page_size=25)

    assert page.results == items[MAX_RESULTS - 25 : MAX_RESULTS]
    assert page.next is None  # there are more items, but no page that may show them
    assert query(page.previous) == {"q": ["x"], "page": [str(last - 1)]}


def test_past_the_end_says_how_many_pages_there_are():
    with pytest.raises(NotFound, match="page 3 is past the end: 11 results on 2 pages of 10"):
        paginate(request(), list(range(11)), page=3, page_size=10)
