"""Accounts leave anonymous reading as it was: anonymous pages still come from the page
cache, with no reader's state in them; a signed-in reader's pages are rendered for them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

LIST = "/arxiv/cs.CV?date=2025-03-25"


@pytest.fixture
def cached(settings, papers) -> None:
    settings.PAGE_CACHE_SECONDS = 300


def test_anonymous_pages_are_still_cached_and_hold_no_account(client, cached):
    first = client.get(LIST)
    assert first["X-Page-Cache"] == "miss"
    second = client.get(LIST)
    assert second["X-Page-Cache"] == "hit" and second.content == first.content
    html = second.content.decode()
    assert "Sign in" in html and 'href="/accounts/login/"' in html
    assert "csrfmiddlewaretoken" not in html


def test_signed_in_pages_are_never_stored(client, reader, cached):
    client.get(LIST)  # an anonymous copy in the cache
    client.force_login(reader)
    page = client.get(LIST)
    assert "X-Page-Cache" not in page
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    html = page.content.decode()
    assert 'href="/accounts/data"' in html and "Sign in" not in html
    client.logout()
    assert client.get(LIST)["X-Page-Cache"] == "hit"
