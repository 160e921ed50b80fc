"""The whole account journey in Chromium under the strict CSP: sign up, merge what the
browser kept, export, make a token, delete; a sign-in by the mail's one-click code link;
axe on every page; screenshots (1366x900 and 390x844, light and dark) in /tmp/shots/acc."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from coolpapers.library.models import Collection, ReadMark
from coolpapers.papers.models import Paper
from tests.accounts.conftest import PASSWORD
from tests.axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/acc")
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def shoot(page, name: str) -> None:
    """Screenshots of the page as it is, in both sizes and themes; axe on each."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            assert violations(page) == [], (name, size, scheme)
            page.screenshot(path=str(SHOTS / f"{name}-{size}-{scheme}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="light")


def test_sign_up_merge_export_token_delete(page, papers, mailbox):
    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True)[:2])
    page.goto("/")
    page.evaluate(
        """ids => {
          localStorage.setItem("coolpapers:prefer", JSON.stringify("diffusion model, graph neural"));
          localStorage.setItem("coolpapers:interests", JSON.stringify({"transformer": 3, "Diffusion model": 2}));
          localStorage.setItem("coolpapers:liked", JSON.stringify(ids));
        }""",
        ids,
    )
    page.click("a.signin-link")
    page.wait_for_url("**/accounts/login/")
    shoot(page, "login")
    page.click("text=sign up")
    page.wait_for_selector("#id_password2")
    page.fill("#id_password1", "1234")
    page.fill("#id_password2", "1234")
    page.fill("#id_email", "journey@example.org")
    page.click("form.account-form button[type=submit]")
    page.wait_for_selector(".field .notice-error")  # weak password, said beside the field
    shoot(page, "signup-error")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("form.account-form button[type=submit]")

    # The merge offer: this browser's keywords and papers, ticked; nothing sent yet.
    page.wait_for_selector(".merge-form:not([hidden])")
    user = User.objects.get(email="journey@example.org")
    assert Collection.objects.get(owner=user).keywords == ""
    offered = page.eval_on_selector_all(
        ".merge-form input[type=checkbox]", "boxes => boxes.map(b => [b.name, b.value, b.checked])"
    )
    assert offered == [
        ["keywords", "diffusion model", True],
        ["keywords", "graph neural", True],
        ["keywords", "transformer", True],  # "Diffusion model" of the cloud is the ❤ one
        ["papers", ids[0], True],
        ["papers", ids[1], True],
    ]
    page.wait_for_selector(".merge-title")  # titles fetched
    shoot(page, "merge")
    page.uncheck("input[value='graph neural']")
    page.click(".merge-form button[type=submit]")
    page.wait_for_selector(".merge-done")
    shoot(page, "merged")
    assert Collection.objects.get(owner=user).keywords == "diffusion model, transformer"
    assert set(ReadMark.objects.filter(owner=user).values_list("paper_id", flat=True)) == set(ids)

    # Nothing new on the next offer: straight on (the unticked one counts as declined).
    page.goto(reverse("account_merge") + "?next=/accounts/data")
    page.wait_for_url("**/accounts/data")
    shoot(page, "data")
    with page.expect_download() as download:
        page.click("text=Export everything (JSON)")
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["account"]["email"] == "journey@example.org"
    assert exported["collections"][0]["keywords"] == ["diffusion model", "transformer"]

    # allauth's account pages in the site's design.
    for name, url in [
        ("email", reverse("account_email")),
        ("password-change", reverse("account_change_password")),
        ("sign-out", reverse("account_logout")),
    ]:
        page.goto(url)
        page.wait_for_selector("h1.account-title")
        shoot(page, name)
    page.goto(reverse("account_data"))
    page.click("text=Make a token")
    page.wait_for_selector("#new-token")
    assert page.input_value("#new-token") == user.auth_token.key
    shoot(page, "data-token")

    # A wrong email: a 400 with the reason beside the field (in a second tab: the first one
    # fails the test on any console error, and Chromium logs every 400 as one).
    other = page.context.new_page()
    other.goto(reverse("account_data"))
    other.fill("#id_email", "wrong@example.org")
    other.click("text=Delete my account")
    other.wait_for_selector("#id_email[aria-invalid=true]")
    shoot(other, "delete-error")
    other.close()
    assert User.objects.filter(pk=user.pk).exists()
    page.fill("#id_email", "journey@example.org")
    page.click("text=Delete my account")
    page.wait_for_selector("h1:has-text('Account deleted')")
    shoot(page, "deleted")
    assert not User.objects.filter(pk=user.pk).exists()
    assert page.locator("a.signin-link").count() == 1


def test_sign_in_by_the_mails_link_in_one_click(page, reader, mailbox):
    page.goto(reverse("account_login"))
    page.click("text=Send me a sign-in code")
    page.wait_for_selector("form.account-form #id_email")
    shoot(page, "code-request")
    page.fill("#id_email", "reader@example.org")
    page.click("form.account-form button[type=submit]")
    page.wait_for_selector("input[name=code]")
    shoot(page, "code-confirm")
    (link,) = [u for u in mailbox.links("reader@example.org") if "/login/code/confirm/" in u]
    path = re.sub(r"^https?://[^/]+", "", link)
    # One click on the mail's link: the page submits the code itself and signs in; the
    # merge offer, with nothing kept in this browser, goes straight on to the home page.
    page.goto(path)
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    assert page.locator("header a.account-link").count() == 1


def test_password_reset_and_lockout_pages(page, reader, settings):
    page.goto(reverse("account_reset_password"))
    shoot(page, "password-reset")
    # In a second tab: the first fails the test on any console error (a 429 logs one).
    other = page.context.new_page()
    for n in range(settings.AXES_FAILURE_LIMIT):
        other.goto(reverse("account_login"))
        other.fill("#id_login", "reader@example.org")
        other.fill("#id_password", f"guess-{n}")
        other.click("form.account-form button[type=submit]")
    other.wait_for_selector("text=Too many failed sign-ins")
    shoot(other, "lockout")
    other.close()
