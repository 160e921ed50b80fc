"""The digest pages in headless Chromium as readers get them (strict CSP): no serious axe
violation at desktop and phone sizes in both themes, usable by keyboard alone, nothing
scrolling sideways. Screenshots go to /tmp/shots/dig/ for a look."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from coolpapers.digests.mail import unsubscribe_token
from coolpapers.digests.models import Delivery, DigestSettings
from tests.axe import violations
from tests.browser import STRICT_CSP
from tests.digests.conftest import make_reader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/dig")
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def reader():
    user, profile = make_reader("ann", size=8)
    row = DigestSettings.objects.get(collection=profile)
    row.new_feed_token()
    row.save()
    Delivery.objects.create(
        collection=profile, day=date(2026, 8, 20), status=Delivery.SENT, papers=["a", "b"]
    )
    Delivery.objects.create(collection=profile, day=date(2026, 8, 21), status=Delivery.FAILED)
    return user, profile


def context_for(chromium, live_server, user, size: str, scheme: str):
    context = chromium.new_context(
        base_url=live_server.url, viewport=VIEWPORTS[size], color_scheme=scheme
    )
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])

    def with_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": STRICT_CSP}
        )

    context.route(f"{live_server.url}/**", with_csp)
    return context


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_digest_pages_audit(chromium, live_server, reader, size, scheme) -> None:
    user, profile = reader
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = context_for(chromium, live_server, user, size, scheme)
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
        page.goto(f"/library/{profile.pk}/digest")
        page.wait_for_load_state("networkidle")
        found["settings"] = violations(page)
        no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"settings-{size}-{scheme}.png"), full_page=True)

        # A refused size: the message beside the field.
        page.fill("#digest-size", "500")
        page.click("form.digest-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("#digest-size-error").is_visible()
        found["settings, refused"] = violations(page)
        no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"settings-error-{size}-{scheme}.png"), full_page=True)

        page.goto(f"/digests/unsubscribe/{unsubscribe_token(profile)}")
        page.wait_for_load_state("networkidle")
        found["unsubscribe"] = violations(page)
        page.screenshot(path=str(SHOTS / f"unsubscribe-{size}-{scheme}.png"), full_page=True)
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()
    assert {name: v for name, v in found.items() if v} == {}
    assert errors == []


def test_settings_by_keyboard_alone(chromium, live_server, reader) -> None:
    user, profile = reader
    DigestSettings.objects.filter(collection=profile).update(enabled=False)
    context = context_for(chromium, live_server, user, "desktop", "light")
    page = context.new_page()
    try:
        page.goto(f"/library/{profile.pk}/digest")
        page.focus("#digest-enabled")
        page.keyboard.press("Space")  # check the box
        page.keyboard.press("Tab")  # to the size field
        assert page.evaluate("document.activeElement.id") == "digest-size"
        page.keyboard.press("Control+A")
        page.keyboard.type("12")
        page.keyboard.press("Enter")  # submits the form
        status = page.locator("[role=status]")
        status.wait_for()
        assert status.inner_text().startswith("Saved")
        # The feed: replace its address by keyboard, and the page says so.
        page.focus("text=New address")
        page.keyboard.press("Enter")
        page.locator("[role=status]", has_text="new address").wait_for()
    finally:
        context.unroute_all(behavior="ignoreErrors")
        context.close()
    row = DigestSettings.objects.get(collection=profile)
    assert (row.enabled, row.size) == (True, 12)


def test_unsubscribe_by_keyboard(chromium, live_server, reader) -> None:
    _, profile = reader
    context = chromium.new_context(base_url=live_server.url)  # from the email: not signed in
    page = context.new_page()
    try:
        page.goto(f"/digests/unsubscribe/{unsubscribe_token(profile)}")
        page.focus("button[type=submit] >> text=Unsubscribe")
        page.keyboard.press("Enter")
        page.wait_for_selector("h1:has-text('Unsubscribed')")
    finally:
        context.close()
    assert not DigestSettings.objects.get(collection=profile).enabled
