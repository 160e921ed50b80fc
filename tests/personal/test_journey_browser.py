"""The issue's "done when", as a reader does it in Chromium against a live server: sign up,
confirm the address from the mailbox, import a BibTeX file, rate papers and see For you change,
get the day's digest in the mailbox (the file backend `make run` uses), export the account's
data and delete the account. Strict CSP; any console error fails the test."""

from __future__ import annotations

import email
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coolpapers.papers.models import Archive, Category, Paper
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from tests.personal.foryou_support import day_ids, own_cache, sync_training  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUSY = "2025-03-18"
ADDRESS = "new.reader@example.org"
PASSWORD = "a long passphrase for the journey 7"


@pytest.fixture
def mailbox(settings, tmp_path) -> Path:
    """The embedded default's mailbox: one file per message under the data dir."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.SITE_URL = ""
    return tmp_path / "mail"


def messages(mailbox: Path) -> list[email.message.Message]:
    found = []
    for path in sorted(mailbox.glob("*.log")):
        for raw in path.read_text().split("-" * 79 + "\n"):
            if raw.strip():
                found.append(email.message_from_bytes(raw.encode()))
    return found


def body(message: email.message.Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "".join(
        p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8")
        for p in parts
        if p.get_content_type() == "text/plain"
    )


@pytest.fixture
def site(chromium, live_server, related, mailbox, sync_training, own_cache):  # noqa: F811
    if Category.objects.count() < len(CATEGORIES):  # a live server's flush empties them
        load_taxonomy(Archive, Category)
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}
    )
    context.route(
        "https://arxiv.org/**",
        lambda route: route.fulfill(status=200, content_type="application/pdf", body=b"%PDF"),
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert problems == []


def order(page) -> list[str]:
    page.goto(f"/for-you?date={BUSY}")
    return page.eval_on_selector_all(".foryou-item", "els => els.map(e => e.dataset.paper)")


def test_sign_up_import_rate_digest_export_delete(site, mailbox, tmp_path):
    page = site
    day = day_ids(BUSY)
    # Sign up; the confirmation mail's link confirms the address.
    page.goto("/accounts/signup/")
    page.fill("main input[name=email]", ADDRESS)
    page.fill("main input[name=password1]", PASSWORD)
    page.fill("main input[name=password2]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("header a.account-link")
    page.wait_for_url(lambda url: "/accounts/" not in url)  # past the merge offer (none here)
    confirm = next(m for m in messages(mailbox) if m["To"] == ADDRESS)
    page.goto(re.search(r"(/accounts/confirm-email/\S+)", body(confirm))[1])
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")

    # Import a Zotero-style BibTeX file into the first collection.
    titled = Paper.objects.get(pk=day[2])
    bib = tmp_path / "mine.bib"
    bib.write_text(
        f"@misc{{a, title={{x}}, eprint={{{day[0]}}}, archivePrefix={{arXiv}}}}\n"
        f"@article{{b, title={{y}}, url={{https://arxiv.org/abs/{day[1]}v2}}}}\n"
        f"@article{{c, title={{{titled.title}}}}}\n"
        "@article{d, title={A paper this site does not hold}}\n"
    )
    page.goto("/library")
    page.locator("main a[href^='/library/']").first.click()
    page.click("#import summary")
    page.set_input_files("#import-file", str(bib))
    page.locator("#import form button[type=submit]").click()
    report = page.locator(".import-report").inner_text()
    assert "3 papers added" in report and "1 not matched" in report

    # For you changes with each rating.
    before = order(page)
    assert set(before[:25]) <= set(day) and len(before) == 25
    changed, liked = [], []
    for _ in range(4):  # 👍 the last paper of the first page, four times
        pid = next(p for p in reversed(before) if p not in liked)
        liked.append(pid)
        page.locator(f".foryou-item[data-paper='{pid}'] button.rate-up").click()
        page.wait_for_selector(
            f".foryou-item[data-paper='{pid}'] button.rate-up[aria-pressed=true]"
        )
        now = order(page)
        # The order changes, and the liked paper rises (or leaves the page: it may be read).
        changed.append(now != before and (pid not in now or now.index(pid) < before.index(pid)))
        before = now
    assert all(changed), changed

    # The day's digest, once turned on, arrives in the mailbox.
    page.goto("/library")
    page.locator("main a[href^='/library/']").first.click()
    page.locator("a", has_text="Daily digest").click()
    page.check("main input[name=enabled]")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    call_command("send_digests", "--day", BUSY)
    digest = [m for m in messages(mailbox) if m["To"] == ADDRESS and m["List-Unsubscribe"]]
    assert len(digest) == 1
    assert digest[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Paper.objects.get(pk=before[0]).title.split()[0] in body(digest[0])

    # Export everything, then delete the account.
    page.goto("/accounts/data")
    with page.expect_download() as download:
        page.click("main a[href*='export']")
    data = json.loads(Path(download.value.path()).read_text())
    saved = {p["arxiv_id"] for c in data["collections"] for p in c["papers"]}
    assert saved == {day[0], day[1], day[2]}
    rated = {r["arxiv_id"] for c in data["collections"] for r in c["ratings"]}
    assert rated == set(liked)
    page.fill("form.account-delete input[type=text]", ADDRESS)
    page.click("form.account-delete button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert not get_user_model().objects.filter(email=ADDRESS).exists()
