"""Stars: CSRF-protected POSTs, once per browser (an id the server issues), paper and day,
rate limited per address in a sliding window."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.signing import get_cookie_signer
from django.test import Client

from coolpapers.browse import stars
from coolpapers.browse.models import Star
from coolpapers.papers.models import Paper

pytestmark = pytest.mark.django_db


def new_browser(**extra) -> Client:
    """A client that enforces CSRF like a real browser and got its token (and its browser-id
    cookie) from /csrf as browse.js does."""
    client = Client(enforce_csrf_checks=True)
    client.token = client.get("/csrf", **extra).json()["token"]
    return client


@pytest.fixture
def browser(sample_papers) -> Client:
    return new_browser()


def post_star(client: Client, arxiv_id: str, **extra):
    token = getattr(client, "token", "")
    return client.post(f"/arxiv/{arxiv_id}/star", HTTP_X_CSRFTOKEN=token, **extra)


def a_paper() -> str:
    return Paper.objects.order_by("pk").first().pk


def test_a_click_counts_once_per_browser_and_day(browser, monkeypatch):
    arxiv_id = a_paper()
    first = post_star(browser, arxiv_id)
    assert first.status_code == 200
    assert first.json() == {"paper": arxiv_id, "stars": 1, "counted": True}
    assert post_star(browser, arxiv_id).json() == {"paper": arxiv_id, "stars": 1, "counted": False}
    assert post_star(new_browser(), arxiv_id).json()["stars"] == 2
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: date(2031, 1, 2))
    assert post_star(browser, arxiv_id).json() == {"paper": arxiv_id, "stars": 3, "counted": True}
    issued = browser.cookies[stars.BROWSER_COOKIE]
    assert issued["httponly"] and issued["samesite"] == "Lax"
    keys = set(Star.objects.values_list("client_key", flat=True))
    assert len(keys) == 2 and not keys & {c.value for c in browser.cookies.values()}


def test_the_client_cannot_choose_its_id(browser):
    """Ids in the request body (as browse.js sent them) are ignored; 40 of them are one star."""
    arxiv_id = a_paper()
    for n in range(40):
        post_star(browser, arxiv_id, data={"browser": f"chosen-by-the-client-{n:04}"})
    assert Star.objects.count() == 1


@pytest.mark.parametrize("cookie", [None, "made-up-0123456789abcdef", "forged:signature"])
def test_a_missing_or_forged_id_is_refused(browser, cookie):
    del browser.cookies[stars.BROWSER_COOKIE]
    if cookie:
        browser.cookies[stars.BROWSER_COOKIE] = cookie
    response = post_star(browser, a_paper())
    assert response.status_code == 403
    assert "no browser id: GET /csrf first" in response.json()["error"]
    assert not Star.objects.exists()


def test_an_id_signed_for_another_purpose_is_refused(browser):
    """Django signs other cookies with the same key: the salt keeps them apart."""
    browser.cookies[stars.BROWSER_COOKIE] = get_cookie_signer(salt="other").sign("x" * 32)
    assert post_star(browser, a_paper()).status_code == 403


def test_a_client_dropping_its_cookies_gets_few_ids(sample_papers, settings):
    """Fresh ids are limited per address: a script that starts over for every click counts
    STAR_BROWSER_RATE stars, not one per click."""
    settings.STAR_BROWSER_RATE = "3/h"
    first, *others = Paper.objects.order_by("pk").values_list("pk", flat=True)[:2]
    browsers = [new_browser() for _ in range(10)]
    assert [post_star(b, first).status_code for b in browsers] == [200] * 3 + [403] * 7
    assert Star.objects.count() == 3
    # A browser that has its id keeps it, and another address gets ids of its own.
    assert post_star(browsers[0], others[0]).status_code == 200
    elsewhere = new_browser(REMOTE_ADDR="192.0.2.7")
    assert post_star(elsewhere, first, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_the_count_shows_on_lists_and_paper_pages(browser):
    arxiv_id = a_paper()
    post_star(browser, arxiv_id)
    html = browser.get(f"/arxiv/{arxiv_id}").content.decode()
    assert 'class="star-count">1<' in html


def test_csrf_is_required(sample_papers):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/arxiv/{a_paper()}/star")
    assert response.status_code == 403
    assert not Star.objects.exists()


def test_only_post(browser):
    assert browser.get(f"/arxiv/{a_paper()}/star").status_code == 405


@pytest.mark.parametrize(
    ("arxiv_id", "status", "error"),
    [
        ("2401.01234", 404, "paper 2401.01234 is not in our database"),
        ("2413.01234", 400, "has month 13"),
    ],
)
def test_bad_requests(browser, arxiv_id, status, error):
    response = post_star(browser, arxiv_id)
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


def test_throttle_window_slides():
    """30 clicks at the end of one minute and 30 at the start of the next are 60 in two
    seconds: a fixed window let them all through, the sliding one holds them to 30."""
    assert [stars.throttle("198.51.100.1", now=1019.0) for _ in range(30)] == [None] * 30
    # The window slides in tenths: those 30 count until their tenth (1014-1020) leaves it.
    assert stars.throttle("198.51.100.1", now=1020.5) == 54
    assert stars.throttle("198.51.100.1", now=1073.5) == 1
    assert stars.throttle("198.51.100.1", now=1074.0) is None


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
