"""The HTML search's per-client limit (the API's DRF throttles are tested in tests/api, the
limits on query length, page size and page depth in tests/api/test_search.py and
tests/search/test_views.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from coolpapers.web.ratelimit import hit, parse_rate


@pytest.fixture
def three_a_minute(settings, index):
    settings.SEARCH_RATE = "3/min"
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("path", ["/arxiv/search", "/arxiv/search/chunk", "/arxiv/search/feed"])
def test_fourth_search_in_a_minute_is_429_with_retry_after(client, three_a_minute, path):
    for _ in range(3):
        assert client.get(path, {"q": "vision"}).status_code == 200
    response = client.get(path, {"q": "vision"})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many searches" in response.content.decode()


def test_search_page_chunks_and_feed_share_one_budget(client, three_a_minute):
    client.get("/arxiv/search", {"q": "vision"})
    client.get("/arxiv/search/chunk", {"q": "vision", "page": "2"})
    client.get("/arxiv/search/feed", {"q": "vision"})

    assert client.get("/arxiv/search", {"q": "model"}).status_code == 429


def test_limit_is_per_client_address(client, three_a_minute):
    for _ in range(4):
        client.get("/arxiv/search", {"q": "vision"}, REMOTE_ADDR="192.0.2.1")
    other = client.get("/arxiv/search", {"q": "vision"}, REMOTE_ADDR="192.0.2.2")
    spoofed = client.get(
        "/arxiv/search", {"q": "vision"}, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )

    assert other.status_code == 200
    assert spoofed.status_code == 429  # no trusted proxy: X-Forwarded-For is ignored


def test_other_pages_are_not_counted(client, three_a_minute):
    for _ in range(5):
        assert client.get("/").status_code == 200
    assert client.get("/arxiv/search", {"q": "vision"}).status_code == 200


def test_windows_reset_and_rates_read_like_drf(db):
    cache.clear()
    assert parse_rate("30/min") == (30, 60)
    assert parse_rate("2/s") == (2, 1)
    assert [hit("t", "a", "2/min", now=120.0) for _ in range(3)] == [None, None, 60]
    assert hit("t", "a", "2/min", now=150.5) == 30  # still the same window
    assert hit("t", "a", "2/min", now=180.0) is None  # the next one
    cache.clear()
