"""Headless Chromium on the For you page and a daily list, signed in: 👍/👎 and read marks by
mouse and keyboard (fetch, no reload), on the first papers and on those loaded later; axe finds
nothing serious, light and dark, wide and phone; nothing scrolls sideways. Strict CSP; any
console error fails a test. Screenshots go to /tmp/shots/you/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from coolpapers.interests import foryou
from coolpapers.library.models import Rating, ReadMark
from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from tests.axe import violations
from tests.personal.foryou_support import *  # noqa: F403 (its fixtures)
from tests.personal.foryou_support import day_ids

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/you")
BUSY = "2025-03-18"
SIZES = {"wide": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def indexed(related) -> None:
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)


@pytest.fixture
def session_cookie(reader, indexed) -> str:
    client = Client()
    client.force_login(reader)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def browse(chromium, live_server, session_cookie, sync_training):
    """A signed-in page maker: (width, height, scheme) -> page; strict CSP, errors fail."""
    from tests.browser import STRICT_CSP

    contexts, problems = [], []

    def make(width: int = 1366, height: int = 900, scheme: str = "light"):
        context = chromium.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            color_scheme=scheme,
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie,
                    "url": live_server.url,
                }
            ]
        )

        def with_csp(route):
            response = route.fetch()
            route.fulfill(
                response=response,
                headers={**response.headers, "content-security-policy": STRICT_CSP},
            )

        context.route(f"{live_server.url}/**", with_csp)
        context.route(
            "https://arxiv.org/**",
            lambda route: route.fulfill(status=200, content_type="application/pdf", body=b"%PDF"),
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "console",
            lambda m: (
                problems.append(f"{m.text} at {m.location['url']}") if m.type == "error" else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.unroute_all(behavior="ignoreErrors")
        context.close()
    assert problems == []


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_rate_and_mark_read_in_place_with_mouse_and_keyboard(browse, profile):
    page = browse()
    page.goto(f"/for-you?date={BUSY}")
    first = page.locator(".foryou-item").first
    paper = first.get_attribute("data-paper")
    up = first.locator("button.rate-up")
    up.click()
    page.wait_for_function(
        "id => document.querySelector(`.foryou-item[data-paper='${id}'] .rate-up`).getAttribute('aria-pressed') === 'true'",
        arg=paper,
    )
    assert Rating.objects.get(paper_id=paper).value == 1
    # 👎 by keyboard on the same card: 👍 unpressed, 👎 pressed.
    first.locator("button.rate-down").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.querySelector(`.foryou-item[data-paper='${id}'] .rate-down`).getAttribute('aria-pressed') === 'true'",
        arg=paper,
    )
    assert up.get_attribute("aria-pressed") == "false"
    assert Rating.objects.get(paper_id=paper).value == -1
    # Read, by keyboard: the card is dimmed.
    first.locator("button.read-button").focus()
    page.keyboard.press("Space")
    page.wait_for_function(
        "id => document.querySelector(`.foryou-item[data-paper='${id}']`).classList.contains('is-read')",
        arg=paper,
    )
    assert ReadMark.objects.filter(paper_id=paper).exists()
    assert page.url.endswith(f"/for-you?date={BUSY}")  # no navigation
    # The next 25 come in as the reader scrolls; their controls work too.
    page.locator(".sentinel").scroll_into_view_if_needed()
    page.wait_for_selector("section.chunk[data-page='2'] .foryou-item")
    later = page.locator("section.chunk[data-page='2'] .foryou-item").first
    later_id = later.get_attribute("data-paper")
    later.locator("button.rate-up").click()
    page.wait_for_function(
        "id => document.querySelector(`.foryou-item[data-paper='${id}'] .rate-up`).getAttribute('aria-pressed') === 'true'",
        arg=later_id,
    )
    assert Rating.objects.filter(paper_id=later_id, value=1).exists()


def test_opening_a_paper_from_for_you_marks_it_read(browse, profile):
    page = browse()
    page.goto(f"/for-you?date={BUSY}")
    item = page.locator(".foryou-item").nth(2)
    paper = item.get_attribute("data-paper")
    with page.expect_navigation():
        item.locator(".paper-title a").click()
    page.wait_for_timeout(300)
    assert ReadMark.objects.filter(paper_id=paper).exists()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_for_you_pages_pass_axe_and_fit(browse, profile, scheme, size):
    ids = day_ids(__import__("datetime").date(2025, 3, 18))
    foryou.set_rating(profile, ids[5], 1)
    foryou.set_rating(profile, ids[9], -1)
    foryou.set_read(profile.owner, ids[5], True)
    width, height = SIZES[size]
    page = browse(width, height, scheme)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in [
        ("foryou", f"/for-you?date={BUSY}"),
        ("list-sorted", f"/arxiv/cs.CV?date={BUSY}&sort=foryou"),
        ("catch-up", f"/for-you/{profile.pk}/catch-up?since=2025-06-01"),
    ]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], (name, scheme, size)
        assert overflow(page) <= 0, (name, size)
        page.screenshot(path=str(SHOTS / f"{name}-{size}-{scheme}.png"))
        if name == "foryou":  # a card's why and controls, further down
            page.locator(".foryou-why").nth(1).scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"{name}-why-{size}-{scheme}.png"))
