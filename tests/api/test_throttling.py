"""Anonymous rate limiting, counted in the Django cache."""

from __future__ import annotations

import pytest

from tests.api.openapi import assert_conforms


@pytest.fixture
def two_per_minute(settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "5/min"},
    }


def test_third_request_in_a_minute_is_429_with_retry_after(client, db, two_per_minute):
    for _ in range(2):
        assert client.get("/api/categories/").status_code == 200
    response = client.get("/api/categories/")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]
    assert_conforms(response, "/api/categories/")


def test_limit_is_per_client_address(client, db, two_per_minute):
    for _ in range(2):
        client.get("/api/categories/", REMOTE_ADDR="192.0.2.1")

    assert client.get("/api/categories/", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get("/api/categories/", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_forwarded_for_header_does_not_reset_the_limit(client, db, two_per_minute):
    """With no proxy configured, X-Forwarded-For is the client's word, not an address."""
    for n in range(2):
        client.get("/api/categories/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    response = client.get("/api/categories/", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert response.status_code == 429


def test_bad_requests_count_too(client, db, two_per_minute):
    for _ in range(2):
        assert client.get("/api/papers/", {"page": "0"}).status_code == 400

    response = client.get("/api/search", {"q": "vision"})
    assert response.status_code == 429
    assert_conforms(response, "/api/search")
