"""Headless Chromium, strict CSP: [Save] on a list's cards opens the reader's collections as
checkboxes (library.js → /api/collections), saves and unsaves, makes a collection; the
collection page edits a note; the library's pages pass axe in light and dark themes, at a
laptop's and a phone's width (screenshots into /tmp/shots/lib/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from coolpapers.library.models import Collection, SavedPaper
from coolpapers.library.services import share
from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from tests.axe import violations
from tests.conftest import ABS_DIR, SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "/arxiv/cs.CV?date=2025-03-18"
SHOTS = Path(os.environ.get("LIBRARY_SHOTS", "/tmp/shots/lib"))


@pytest.fixture
def reader(live_server):
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    call_command("ingest_arxiv", str(ABS_DIR), verbosity=0)
    return get_user_model().objects.create_user(
        username="reader@example.org", email="reader@example.org", password="x-pass-123"
    )


@pytest.fixture
def signed_in(page, reader, live_server):
    """The page's browser signed in as the reader (a real session cookie)."""
    client = Client()
    client.force_login(reader)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_save_menu_saves_unsaves_and_makes_a_collection(signed_in, reader):
    page = signed_in
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/library")  # makes the reader's first collection, "Reading list"
    page.goto(LIST)
    card = page.locator("article.paper").first
    arxiv_id = card.get_attribute("data-arxiv-id")
    save = card.locator("a.action-save")
    assert save.inner_text() == "[Save]"
    assert save.get_attribute("role") == "button"

    save.focus()
    page.keyboard.press("Enter")
    box = card.locator(".save-menu input[type=checkbox]").first
    box.wait_for()
    assert save.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.type") == "checkbox"
    assert violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "save-menu-1366-light.png"))

    page.keyboard.press("Space")  # check "Reading list"
    page.wait_for_function("el => el.classList.contains('is-saved')", arg=save.element_handle())
    assert save.inner_text() == "[Saved]"
    reading = Collection.objects.get(owner=reader, name="Reading list")
    assert SavedPaper.objects.filter(collection=reading, paper_id=arxiv_id).exists()
    assert "Saved in Reading list" in card.locator(".save-status").inner_text()

    card.locator(".save-new input").fill("Sensors")
    card.locator(".save-new button").click()
    card.locator(".save-menu label", has_text="Sensors").wait_for()
    sensors = Collection.objects.get(owner=reader, name="Sensors")
    assert SavedPaper.objects.filter(collection=sensors, paper_id=arxiv_id).exists()
    assert card.locator(".save-menu label", has_text="Sensors").locator("input").is_checked()

    page.keyboard.press("Escape")
    assert card.locator(".save-menu").count() == 0
    assert page.evaluate("document.activeElement.classList.contains('action-save')")

    # Reloaded, the state comes from the server; unsaving both leaves [Save].
    page.reload()
    save = page.locator(f"article[data-arxiv-id='{arxiv_id}'] a.action-save")
    assert save.inner_text() == "[Saved]"
    save.click()
    for label in ("Reading list", "Sensors"):
        page.locator(".save-menu label", has_text=label).locator("input").uncheck()
        page.wait_for_function(
            "name => document.querySelector('.save-status').textContent.includes(name)", arg=label
        )
    assert save.inner_text() == "[Save]"
    assert not SavedPaper.objects.filter(paper_id=arxiv_id).exists()
    page.mouse.click(5, 5)  # a click elsewhere closes the menu
    assert page.locator(".save-menu").count() == 0

    # On a phone, in the dark theme, the menu stays inside the screen.
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 390, "height": 844})
    save.click()
    menu = page.locator(".save-menu")
    menu.locator("input[type=checkbox]").first.wait_for()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert violations(page) == []
    page.screenshot(path=str(SHOTS / "save-menu-390-dark.png"))


def test_collection_page_note_and_accessible_pages(signed_in, reader, page):
    collection = Collection.objects.create(
        owner=reader,
        name="Gravitinos",
        description="Light gravitinos and friends",
        keywords="gravitino, supersymmetry",
    )
    for pid in ["hep-th/9709111", "0704.0001", "2503.11677"]:
        SavedPaper.objects.create(collection=collection, paper_id=pid)
    SavedPaper.objects.filter(paper_id="0704.0001").update(
        note="Compare with **eq. (3)**: $\\sigma \\propto s^{-1}$"
    )
    token = share(collection)

    page.goto(f"/library/{collection.pk}")
    item = page.locator(
        ".library-item", has=page.locator("article[data-arxiv-id='hep-th/9709111']")
    )
    item.locator(".note-edit summary").click()
    item.locator("textarea").fill("Effective theory: $\\mathcal{L}_{int}$ *and* more")
    # (The test's CSP route fetches the POST and its redirect as one answer: the address stays.)
    with page.expect_navigation():
        item.locator(".note-edit button").click()
    note = page.locator(
        ".library-item", has=page.locator("article[data-arxiv-id='hep-th/9709111']")
    )
    assert note.locator(".note-body em").inner_text() == "and"
    assert SavedPaper.objects.get(paper_id="hep-th/9709111").note.startswith("Effective theory")

    pages = {
        "library": "/library",
        "collection": f"/library/{collection.pk}",
        "save": "/library/save/0704.0001",
        "delete": f"/library/{collection.pk}/delete",
        "shared": f"/shared/{token}",
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width, height in ((1366, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            for name, url in pages.items():
                page.goto(url)
                if name == "collection":
                    page.locator("#import summary").click()
                    page.locator("#settings summary").click()
                assert violations(page) == [], (name, scheme, width)
                shot = SHOTS / f"{name}-{width}-{scheme}.png"
                page.screenshot(path=str(shot), full_page=width > 1000)
                if width < 1000 and page.locator(".saved-note").count():
                    page.locator(".saved-note").nth(1).scroll_into_view_if_needed()
                    page.screenshot(path=str(shot.with_name(f"{name}-{width}-{scheme}-note.png")))


def test_import_report_on_the_page(signed_in, reader, tmp_path, live_server):
    from tests.library.test_citations import ZOTERO_BIB

    page = signed_in
    collection = Collection.objects.create(owner=reader, name="From Zotero")
    upload = tmp_path / "My Library.bib"
    upload.write_text(ZOTERO_BIB)
    # The fixture's CSP route re-sends requests through Playwright's fetch, which loses a
    # multipart file body: the upload goes straight to the server.
    page.context.unroute(f"{live_server.url}/**")
    page.goto(f"/library/{collection.pk}")
    page.locator("#import summary").click()
    page.set_input_files("#import-file", str(upload))
    page.locator("#import button[type=submit]").click()
    report = page.locator(".import-report")
    report.wait_for()
    assert "3 papers added, 0 already there, 1 not matched." in report.inner_text()
    assert "A paper this site does not hold" in report.inner_text()
    assert page.locator("article.paper").count() == 3
    assert violations(page) == []
    page.screenshot(path=str(SHOTS / "import-report-1280-light.png"), full_page=True)


def test_read_marks_on_a_collection_by_keyboard(signed_in, reader):
    """Mark read / Mark unread in place (library.js → /for-you/read), the unread filter, and
    the page in both themes at both widths (screenshots into $LIBRARY_SHOTS)."""
    from coolpapers.library.models import ReadMark

    page = signed_in
    collection = Collection.objects.create(owner=reader, name="To read")
    for pid in ["hep-th/9709111", "0704.0001", "2503.11677"]:
        SavedPaper.objects.create(collection=collection, paper_id=pid)
    SavedPaper.objects.filter(paper_id="0704.0001").update(note="Skimmed: see **§2**.")
    ReadMark.objects.create(owner=reader, paper_id="0704.0001")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/library/{collection.pk}")

    def item(pid):
        return page.locator(".library-item", has=page.locator(f"article[data-arxiv-id='{pid}']"))

    assert "is-read" in item("0704.0001").get_attribute("class")
    assert item("0704.0001").locator(".library-read-badge").is_visible()
    assert not item("2503.11677").locator(".library-read-badge").is_visible()

    button = item("2503.11677").locator(".library-read-button")
    assert button.inner_text() == "Mark read"
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "el => el.classList.contains('is-read')", arg=item("2503.11677").element_handle()
    )
    assert button.inner_text() == "Mark unread"
    assert (
        item("2503.11677").locator(".library-read-form [role=status]").inner_text() == "Marked read"
    )
    assert page.evaluate("document.activeElement.classList.contains('library-read-button')")
    assert ReadMark.objects.filter(owner=reader, paper_id="2503.11677").exists()
    assert violations(page) == []

    page.keyboard.press("Space")  # and back
    page.wait_for_function(
        "el => !el.classList.contains('is-read')", arg=item("2503.11677").element_handle()
    )
    assert button.inner_text() == "Mark read"
    assert not ReadMark.objects.filter(owner=reader, paper_id="2503.11677").exists()

    page.get_by_role("link", name="unread only").click()
    page.wait_for_url("**unread=1")
    assert page.locator("article.paper").count() == 2
    assert item("0704.0001").count() == 0

    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width, height in ((1366, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            for name, query in (("read", ""), ("unread", "?unread=1")):
                page.goto(f"/library/{collection.pk}{query}")
                assert violations(page) == [], (name, scheme, width)
                shot = SHOTS / f"collection-{name}-{width}-{scheme}.png"
                page.screenshot(path=str(shot), full_page=width > 1000)
                if width < 1000 and name == "read":
                    item("0704.0001").locator(".saved-note").scroll_into_view_if_needed()
                    page.screenshot(
                        path=str(shot.with_name(f"collection-{name}-{width}-{scheme}-card.png"))
                    )
