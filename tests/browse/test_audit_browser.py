"""Every page a reader or staff member opens, audited in headless Chromium as they get it:
axe-core finds no serious or critical accessibility violation, at desktop and phone sizes, in
the light and the dark theme, and nothing scrolls sideways on a 360 px phone.

Strict CSP; a JavaScript error fails the test (a 4xx page's own "failed to load" is expected).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from coolpapers.browse import listing
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from tests.axe import violations
from tests.browser import STRICT_CSP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2025, 3, 18)  # cs.CV holds 50 papers that day: a second chunk loads lazily
LIST = f"/arxiv/cs.CV?date={DAY.isoformat()}"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def paper_id(related) -> str:
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    return listing.day_papers(parse_spec("cs.CV"), DAY)[0].pk


@pytest.fixture
def staff_cookie(live_server) -> dict[str, str]:
    """A signed-in superuser's session cookie, for the admin's job list."""
    user = get_user_model().objects.create_superuser("audit", "audit@example.org", "x" * 20)
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def pages(paper_id: str) -> dict[str, str]:
    return {
        "home": "/",
        "list": LIST,
        "paper": f"/arxiv/{paper_id}",
        "related": f"/arxiv/{paper_id}/related",
        "search results": "/arxiv/search?q=image+segmentation",
        "search, empty": "/arxiv/search",
        "search, error": '/arxiv/search?q="unbalanced',
        "interests": "/interests",
        "404": "/arxiv/9999.99999",
        "400": "/arxiv/cs.CV?date=not-a-date",
        "admin job list": "/admin/ingestion/ingestionjob/",
    }


def open_context(chromium, live_server, viewport, scheme, cookie):
    context = chromium.new_context(base_url=live_server.url, viewport=viewport, color_scheme=scheme)
    context.add_cookies([cookie])

    def with_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": STRICT_CSP}
        )

    context.route(f"{live_server.url}/**", with_csp)
    return context


def settle(page) -> None:
    """Lazily loaded parts in, formulas typeset."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.tex.notranslate')", timeout=20_000)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_serious_accessibility_violation_anywhere(
    chromium, live_server, paper_id, staff_cookie, size, scheme
):
    context = open_context(chromium, live_server, VIEWPORTS[size], scheme, staff_cookie)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    found = {}
    try:
        for name, path in pages(paper_id).items():
            page.goto(path)
            settle(page)
            if name == "list":
                assert page.locator("section.chunk").count() >= 2, "the second chunk loaded"
            found[name] = violations(page)
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()
    assert found == {name: [] for name in found}
    assert errors == []


def test_nothing_scrolls_sideways_on_a_360_px_phone(chromium, live_server, paper_id, staff_cookie):
    context = open_context(
        chromium, live_server, {"width": 360, "height": 780}, "light", staff_cookie
    )
    page = context.new_page()
    widths = {}
    try:
        for name, path in pages(paper_id).items():
            page.goto(path)
            settle(page)
            widths[name] = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()
    assert widths == dict.fromkeys(widths, 0)
