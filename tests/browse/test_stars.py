"""Stars: CSRF-protected POSTs, once per browser, paper and day, rate limited per IP."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from coolpapers.browse import stars
from coolpapers.browse.models import Star
from coolpapers.papers.models import Paper

pytestmark = pytest.mark.django_db

BROWSER = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def browser(sample_papers) -> Client:
    """A client that enforces CSRF like a real browser and got its token as browse.js does."""
    client = Client(enforce_csrf_checks=True)
    client.token = client.get("/csrf").json()["token"]
    return client


def post_star(client: Client, arxiv_id: str, browser_id: str = BROWSER, **extra):
    token = getattr(client, "token", "")
    return client.post(
        f"/arxiv/{arxiv_id}/star", {"browser": browser_id}, HTTP_X_CSRFTOKEN=token, **extra
    )


def a_paper() -> str:
    return Paper.objects.order_by("pk").first().pk


def test_a_click_counts_once_per_browser_and_day(browser, monkeypatch):
    arxiv_id = a_paper()
    first = post_star(browser, arxiv_id)
    assert first.status_code == 200
    assert first.json() == {"paper": arxiv_id, "stars": 1, "counted": True}
    assert post_star(browser, arxiv_id).json() == {"paper": arxiv_id, "stars": 1, "counted": False}
    other = post_star(browser, arxiv_id, "another-browser-id-42")
    assert other.json()["stars"] == 2
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: date(2031, 1, 2))
    assert post_star(browser, arxiv_id).json() == {"paper": arxiv_id, "stars": 3, "counted": True}
    keys = set(Star.objects.values_list("client_key", flat=True))
    assert len(keys) == 2 and BROWSER not in keys  # only keyed hashes are stored


def test_the_count_shows_on_lists_and_paper_pages(browser):
    arxiv_id = a_paper()
    post_star(browser, arxiv_id)
    html = browser.get(f"/arxiv/{arxiv_id}").content.decode()
    assert 'class="star-count">1<' in html


def test_csrf_is_required(sample_papers):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/arxiv/{a_paper()}/star", {"browser": BROWSER})
    assert response.status_code == 403
    assert not Star.objects.exists()


def test_only_post(browser):
    assert browser.get(f"/arxiv/{a_paper()}/star").status_code == 405


@pytest.mark.parametrize(
    ("arxiv_id", "browser_id", "status", "error"),
    [
        ("2401.01234", BROWSER, 404, "paper 2401.01234 is not in our database"),
        ("2413.01234", BROWSER, 400, "has month 13"),
        (None, "short", 400, "browser must be 16 to 64"),
        (None, "", 400, "browser must be 16 to 64"),
        (None, "x" * 65, 400, "browser must be 16 to 64"),
        (None, "spaces are not ok here", 400, "browser must be 16 to 64"),
    ],
)
def test_bad_requests(browser, arxiv_id, browser_id, status, error):
    response = post_star(browser, arxiv_id or a_paper(), browser_id)
    assert response.status_code == status
    assert error in response.json()["error"]
    assert not Star.objects.exists()


def test_versioned_ids_count_for_the_paper(browser):
    arxiv_id = a_paper()
    assert post_star(browser, f"arXiv:{arxiv_id}v2").json()["paper"] == arxiv_id


def test_rate_limit_per_ip_with_retry_after(browser, settings):
    settings.STAR_RATE_LIMIT = 3
    settings.STAR_RATE_WINDOW = 60
    papers = list(Paper.objects.values_list("pk", flat=True)[:5])
    for arxiv_id in papers[:3]:
        assert post_star(browser, arxiv_id).status_code == 200
    limited = post_star(browser, papers[3])
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "too many" in limited.json()["error"]
    assert Star.objects.count() == 3
    # Another address is not limited by this one.
    assert post_star(browser, papers[3], REMOTE_ADDR="192.0.2.7").status_code == 200


def test_throttle_windows():
    assert [stars.throttle("198.51.100.1", now=1000.0) for _ in range(30)] == [None] * 30
    assert stars.throttle("198.51.100.1", now=1000.0) == 20  # window ends at 1020
    assert stars.throttle("198.51.100.1", now=1019.5) == 1
    assert stars.throttle("198.51.100.1", now=1020.0) is None  # a new window


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy trusted: the header is the client's word
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),  # the left part is forged
        (2, "198.51.100.66, 203.0.113.9", "198.51.100.66"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer hops than proxies: fall back
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address_behind_proxies(settings, proxies, forwarded, address):
    settings.STAR_NUM_PROXIES = proxies
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}
    assert stars.client_address(meta) == address
