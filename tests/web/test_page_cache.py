"""Whole pages from the cache: the same bytes for every reader, new data shown at once,
errors never cached; the CSRF token comes from /csrf since pages cannot carry one."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from coolpapers.papers.models import Paper
from coolpapers.related import services
from coolpapers.related.corpus import PaperResult
from coolpapers.rendering.models import Note
from tests.conftest import ABS_DIR, SAMPLE

pytestmark = pytest.mark.django_db

LIST = "/arxiv/cs.CV?date=2025-03-18"


@pytest.fixture(autouse=True)
def page_cache(settings, request):
    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"page-cache-{request.node.nodeid}",
        }
    }


@pytest.fixture
def sample(db) -> None:
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)


def test_a_page_is_rendered_once_then_served_to_every_reader(client, sample):
    first = client.get(LIST)
    assert first["X-Page-Cache"] == "miss"
    other = Client()
    other.cookies["math"] = "off"
    other.cookies["sessionid"] = "someone-else"
    second = other.get(LIST)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # Headers of the site's middleware are added to cached pages too.
    assert "Content-Security-Policy" in second
    # Nothing of one reader is in the page.
    assert b"csrfmiddlewaretoken" not in first.content and b"csrf-token" not in first.content
    assert b'name="csrf-url" content="/csrf"' in first.content


def test_other_query_strings_are_other_pages(client, sample):
    client.get(LIST)
    assert client.get(LIST + "&page=2")["X-Page-Cache"] == "miss"
    assert client.get(LIST + "&page=2")["X-Page-Cache"] == "hit"


def test_ingestion_shows_new_papers_at_once(client, sample, django_capture_on_commit_callbacks):
    before = client.get("/arxiv/hep-th")
    assert before.status_code == 404 and "X-Page-Cache" not in before
    paper = client.get("/arxiv/2503.11685")
    assert client.get("/arxiv/2503.11685")["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_arxiv", str(ABS_DIR), verbosity=0)
    again = client.get("/arxiv/2503.11685")
    assert again["X-Page-Cache"] == "miss" and again.content == paper.content
    Note.objects.create(paper=Paper.objects.get(pk="2503.11685"), title="Why?", body="A **note**.")
    noted = client.get("/arxiv/2503.11685")
    assert noted["X-Page-Cache"] == "miss" and b"<strong>note</strong>" in noted.content


def test_new_related_lists_show_at_once(client, sample, django_capture_on_commit_callbacks):
    """related stores lists and says so (related_changed); the web layer ends the pages."""
    assert client.get("/arxiv/2503.11685")["X-Page-Cache"] == "miss"
    assert client.get("/arxiv/2503.11685")["X-Page-Cache"] == "hit"
    paper = Paper.objects.get(pk="2503.11685")
    result = PaperResult(paper.pk, paper.content_hash, ["quantum widget ensembles"])
    with django_capture_on_commit_callbacks(execute=True):
        services.save_results([result], "test-version")
    again = client.get("/arxiv/2503.11685")
    assert again["X-Page-Cache"] == "miss" and b"quantum widget ensembles" in again.content


def test_errors_are_never_cached(client, sample):
    for _ in range(2):
        response = client.get("/arxiv/cs.CV?page=x")
        assert response.status_code == 400 and "X-Page-Cache" not in response


def test_the_page_cache_can_be_turned_off(client, sample, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(LIST)
    assert "X-Page-Cache" not in client.get(LIST)


def test_stars_are_posted_with_the_token_from_csrf(sample):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post("/arxiv/2503.11685/star", {"browser": "a" * 32})
    assert refused.status_code == 403
    response = browser.get("/csrf")
    assert response["Cache-Control"].startswith("max-age=0")
    token = response.json()["token"]
    assert "csrftoken" in response.cookies
    counted = browser.post(
        "/arxiv/2503.11685/star", {"browser": "a" * 32}, headers={"X-CSRFToken": token}
    )
    assert counted.status_code == 200 and counted.json()["counted"] is True


def test_junk_query_strings_share_the_page_of_the_canonical_one(client, sample):
    """Only the parameters a view reads make a page: junk ones, their order, repeats and
    percent-encoding all get the one cached entry, never a new one each."""
    assert client.get(LIST)["X-Page-Cache"] == "miss"
    variants = [
        LIST + "&utm_source=x",
        LIST + "&junk=" + "y" * 2000,
        "/arxiv/cs.CV?zz=1&date=2025-03-18",
        "/arxiv/cs.CV?date=2025%2D03%2D18",
        "/arxiv/cs.CV?date=1999-01-01&date=2025-03-18",  # the last value counts, as views read
        *(f"{LIST}&n{i}={i}" for i in range(20)),
    ]
    for url in variants:
        assert client.get(url)["X-Page-Cache"] == "hit", url
    # Declared parameters still make other pages; a paper page declares none.
    assert client.get(LIST + "&sort=stars")["X-Page-Cache"] == "miss"
    assert client.get("/arxiv/2503.11685?x=1")["X-Page-Cache"] == "miss"
    assert client.get("/arxiv/2503.11685?y=2")["X-Page-Cache"] == "hit"


def test_a_session_cookie_needs_no_database_for_a_cached_page(client, sample, monkeypatch):
    """A reader with a session cookie is looked up (signed-in readers' pages are their own),
    but when the database cannot answer, the cached page, which holds nothing personal, is
    served rather than a 503."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    assert client.get(LIST)["X-Page-Cache"] == "miss"
    client.cookies["sessionid"] = "a" * 32

    def down(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", down)
    response = client.get(LIST)
    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"
