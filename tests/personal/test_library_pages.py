"""The library's pages through Django's test client: collections, a collection with notes,
import/export, share links, the no-script save page and [Save] on cards, on real records."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coolpapers.library.models import Collection, ReadMark, SavedPaper
from tests.library.test_citations import ZOTERO_BIB

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return get_user_model().objects.create_user(
        username="reader@example.org", email="reader@example.org", password="x-pass-123"
    )


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader)
    return client


def test_pages_need_a_signed_in_reader(client):
    response = client.get("/library")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_collections_page_lists_makes_and_refuses_with_the_reason(signed_in, reader):
    page = signed_in.get("/library")
    assert page.status_code == 200
    assert "Reading list" in page.content.decode()  # made on first need

    made = signed_in.post("/library", {"name": "Gravitinos", "is_profile": "on"})
    collection = Collection.objects.get(owner=reader, name="Gravitinos")
    assert made["Location"] == f"/library/{collection.pk}"
    assert collection.is_profile

    again = signed_in.post("/library", {"name": "gravitinos"})
    assert again.status_code == 400
    html = again.content.decode()
    assert 'aria-invalid="true"' in html and "You already have a collection named" in html
    blank = signed_in.post("/library", {"name": "   "})
    assert blank.status_code == 400 and "Give the collection a name." in blank.content.decode()
    assert Collection.objects.filter(owner=reader).count() == 2


def test_collection_page_shows_cards_with_rendered_notes_and_sorts(signed_in, reader, papers):
    collection = Collection.objects.create(owner=reader, name="Mine")
    SavedPaper.objects.create(
        collection=collection, paper_id="hep-th/9709111", note="**Key** $x^2$ <b>raw</b>"
    )
    SavedPaper.objects.create(collection=collection, paper_id="2503.11677")
    html = signed_in.get(f"/library/{collection.pk}").content.decode()
    ids = re.findall(r'<article class="paper[^"]*" id="[^"]+" data-arxiv-id="([^"]+)"', html)
    assert ids == ["2503.11677", "hep-th/9709111"]  # recently saved first
    assert "<strong>Key</strong>" in html and "&lt;b&gt;raw&lt;/b&gt;" in html  # raw HTML off
    assert 'class="math' in html
    by_date = signed_in.get(f"/library/{collection.pk}", {"sort": "date"}).content.decode()
    assert re.findall(r'data-arxiv-id="([^"]+)"', by_date)[0] == "2503.11677"
    assert 'href="?sort=date" aria-current="true"' in by_date


def test_note_edit_and_remove(signed_in, reader, papers):
    collection = Collection.objects.create(owner=reader, name="Mine")
    item = SavedPaper.objects.create(collection=collection, paper_id="hep-th/9709111")
    saved = signed_in.post(
        f"/library/{collection.pk}/note/hep-th/9709111", {"note": "Read *twice*"}
    )
    assert saved["Location"] == f"/library/{collection.pk}#saved-{item.pk}"
    item.refresh_from_db()
    assert item.note == "Read *twice*"
    too_long = signed_in.post(
        f"/library/{collection.pk}/note/hep-th/9709111", {"note": "x" * 20001}
    )
    assert (
        too_long.status_code == 400
        and "A note is at most 20,000 characters." in too_long.content.decode()
    )
    item.refresh_from_db()
    assert item.note == "Read *twice*"
    signed_in.post(f"/library/{collection.pk}/remove/hep-th/9709111")
    assert not SavedPaper.objects.filter(collection=collection).exists()


def test_settings_change_and_refuse(signed_in, reader):
    collection = Collection.objects.create(owner=reader, name="Mine")
    Collection.objects.create(owner=reader, name="Other")
    changed = signed_in.post(
        f"/library/{collection.pk}", {"name": "Renamed", "keywords": "a, b,, a", "description": "d"}
    )
    assert changed.status_code == 302
    collection.refresh_from_db()
    assert (collection.name, collection.keywords, collection.is_profile) == (
        "Renamed",
        "a, b",
        False,
    )
    refused = signed_in.post(f"/library/{collection.pk}", {"name": "other", "keywords": "z"})
    assert refused.status_code == 400
    collection.refresh_from_db()
    assert collection.name == "Renamed" and collection.keywords == "a, b"


def test_import_reports_and_refuses_bad_files(signed_in, reader, papers):
    collection = Collection.objects.create(owner=reader, name="Zotero")
    url = f"/library/{collection.pk}/import"
    report = signed_in.post(
        url, {"file": SimpleUploadedFile("My Library.bib", ZOTERO_BIB.encode())}
    )
    html = report.content.decode()
    assert report.status_code == 200
    assert "Imported a file of 4 entries." in html
    assert "3 papers added, 0 already there, 1 not matched." in html
    assert "<li>A paper this site does not hold</li>" in html
    again = signed_in.post(url, {"file": SimpleUploadedFile("My Library.bib", ZOTERO_BIB.encode())})
    assert "0 papers added, 3 already there, 1 not matched." in again.content.decode()

    broken = signed_in.post(url, {"file": SimpleUploadedFile("x.bib", b"@article{a, title = {x")})
    assert broken.status_code == 400
    assert "File refused, nothing imported: not valid BibTeX at line 1" in broken.content.decode()
    assert signed_in.post(url, {}).status_code == 400
    big = SimpleUploadedFile("big.bib", b"@misc{a, title={x}}\n" * 300_000)
    too_big = signed_in.post(url, {"file": big})
    assert too_big.status_code == 400
    assert "The file is too big: at most 5 MB" in too_big.content.decode()
    assert SavedPaper.objects.filter(collection=collection).count() == 3


def test_export_downloads(signed_in, reader, papers):
    collection = Collection.objects.create(owner=reader, name="My set")
    SavedPaper.objects.create(collection=collection, paper_id="0704.0001", note="n")
    bib = signed_in.get(f"/library/{collection.pk}/export.bib")
    assert bib["Content-Disposition"] == 'attachment; filename="My-set.bib"'
    assert bib.content.decode().startswith("@misc{balazs2007calculation,")
    ris = signed_in.get(f"/library/{collection.pk}/export.ris")
    assert ris.content.decode().startswith("TY  - UNPB")


def test_another_readers_collection_is_a_404_everywhere(signed_in, papers):
    other = get_user_model().objects.create_user(username="o@example.org", email="o@example.org")
    theirs = Collection.objects.create(owner=other, name="Theirs")
    SavedPaper.objects.create(collection=theirs, paper_id="0704.0001")
    for url in ["", "/delete", "/export.bib", "/export.ris"]:
        assert signed_in.get(f"/library/{theirs.pk}{url}").status_code == 404, url
    for url in ["", "/delete", "/share", "/import", "/note/0704.0001", "/remove/0704.0001"]:
        assert signed_in.post(f"/library/{theirs.pk}{url}", {"name": "x"}).status_code == 404, url
    assert Collection.objects.filter(pk=theirs.pk, name="Theirs", share_token=None).exists()
    assert SavedPaper.objects.filter(collection=theirs).count() == 1


def test_delete_asks_first(signed_in, reader, papers):
    collection = Collection.objects.create(owner=reader, name="Doomed")
    SavedPaper.objects.create(collection=collection, paper_id="0704.0001")
    confirm = signed_in.get(f"/library/{collection.pk}/delete")
    assert "Its 1 saved paper goes with it" in confirm.content.decode()
    assert Collection.objects.filter(pk=collection.pk).exists()
    signed_in.post(f"/library/{collection.pk}/delete")
    assert not Collection.objects.filter(pk=collection.pk).exists()


def test_a_shared_link_shows_the_papers_read_only_until_revoked(signed_in, reader, client, papers):
    collection = Collection.objects.create(owner=reader, name="Shared set")
    SavedPaper.objects.create(collection=collection, paper_id="0704.0001", note="private thought")
    signed_in.post(f"/library/{collection.pk}/share")
    collection.refresh_from_db()
    url = f"/shared/{collection.share_token}"
    assert url in signed_in.get(f"/library/{collection.pk}").content.decode()

    signed_in.logout()
    shared = client.get(url)
    html = shared.content.decode()
    assert shared.status_code == 200
    assert "Shared set" in html and 'data-arxiv-id="0704.0001"' in html
    assert "private thought" not in html and "<textarea" not in html and "[Save]" not in html
    assert shared["X-Robots-Tag"] == "noindex"

    client.force_login(reader)
    client.post(f"/library/{collection.pk}/share", {"action": "revoke"})
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get("/shared/not-a-token").status_code == 404


def test_save_page_sets_the_collections_holding_a_paper(signed_in, reader, papers):
    first = Collection.objects.create(owner=reader, name="First")
    second = Collection.objects.create(owner=reader, name="Second")
    page = signed_in.get("/library/save/hep-th/9709111", {"next": "/arxiv/cs.CV"})
    assert page.status_code == 200 and "On the effective interactions" in page.content.decode()

    done = signed_in.post(
        "/library/save/hep-th/9709111",
        {"collection": [first.pk], "new_name": "Third", "next": "/arxiv/cs.CV"},
    )
    assert done["Location"] == "/arxiv/cs.CV"
    held = set(
        SavedPaper.objects.filter(paper_id="hep-th/9709111").values_list(
            "collection__name", flat=True
        )
    )
    assert held == {"First", "Third"}

    signed_in.post(
        "/library/save/hep-th/9709111", {"collection": [second.pk], "next": "https://evil.example/"}
    )
    held = set(
        SavedPaper.objects.filter(paper_id="hep-th/9709111").values_list(
            "collection__name", flat=True
        )
    )
    assert held == {"Second"}

    other = get_user_model().objects.create_user(username="o@example.org", email="o@example.org")
    theirs = Collection.objects.create(owner=other, name="Theirs")
    refused = signed_in.post("/library/save/hep-th/9709111", {"collection": [theirs.pk]})
    assert refused.status_code == 400
    assert not SavedPaper.objects.filter(collection=theirs).exists()
    assert signed_in.get("/library/save/2501.00001").status_code == 404


def test_cards_show_saved_state_with_one_query_for_the_page(signed_in, reader, papers, client):
    collection = Collection.objects.create(owner=reader, name="Mine")
    url = "/arxiv/cs.CV?date=2025-03-18"
    first = re.findall(r'data-arxiv-id="([^"]+)"', signed_in.get(url).content.decode())[0]
    SavedPaper.objects.create(collection=collection, paper_id=first)
    with CaptureQueriesContext(connection) as queries:
        html = signed_in.get(url).content.decode()
    saved_queries = [q for q in queries.captured_queries if "library_savedpaper" in q["sql"]]
    assert len(saved_queries) == 1
    assert html.count('class="action action-save is-saved"') == 1
    assert html.count('class="action action-save"') >= 24
    assert f'data-save-for="{first}" data-in="{collection.pk}"' in html
    assert f"/library/save/{first}?next=/arxiv/cs.CV%3Fdate%3D2025-03-18" in html

    signed_in.logout()
    anonymous = client.get(url).content.decode()
    assert "action-save" not in anonymous and "library.js" not in anonymous


def test_the_paper_page_has_save_for_signed_in_readers_only(signed_in, reader, papers, client):
    collection = Collection.objects.create(owner=reader, name="Mine")
    SavedPaper.objects.create(collection=collection, paper_id="0704.0001")
    html = signed_in.get("/arxiv/0704.0001").content.decode()
    assert 'class="action action-save is-saved"' in html and "[Saved]" in html
    assert signed_in.get("/arxiv/0704.0001")["Cache-Control"] == "private, no-store"
    signed_in.logout()
    assert "action-save" not in client.get("/arxiv/0704.0001").content.decode()


def _cards(html: str) -> list[tuple[str, bool]]:
    """Each card's arXiv id and whether it shows as read, in page order."""
    return [
        (pid, "is-read" in classes)
        for classes, pid in re.findall(
            r'<div class="library-item([^"]*)" id="saved-\d+">\s*<article[^>]* data-arxiv-id="([^"]+)"',
            html,
        )
    ]


def test_read_marks_show_on_the_collection_in_the_pages_own_query(signed_in, reader, papers):
    collection = Collection.objects.create(owner=reader, name="Mine")
    for pid in ["hep-th/9709111", "0704.0001", "2503.11677"]:
        SavedPaper.objects.create(collection=collection, paper_id=pid)
    ReadMark.objects.create(owner=reader, paper_id="0704.0001")
    other = get_user_model().objects.create_user(username="o@example.org", email="o@example.org")
    ReadMark.objects.create(owner=other, paper_id="2503.11677")  # not this reader's mark
    url = f"/library/{collection.pk}"
    with CaptureQueriesContext(connection) as few:
        html = signed_in.get(url).content.decode()
    assert _cards(html) == [
        ("2503.11677", False),
        ("0704.0001", True),
        ("hep-th/9709111", False),
    ]
    assert html.count('class="badge library-read-badge">Read</span>') == 3  # shown by CSS
    assert re.search(
        r'action="/for-you/read/0704\.0001">.*?name="next" value="/library/\d+">.*?'
        r'name="read" value="0"[^>]*>Mark unread</button>',
        html,
        re.S,
    )
    assert html.count(">Mark read</button>") == 2

    # The marks come with the page's items (an EXISTS per row): no query per card.
    listed = signed_in.get("/arxiv/cs.CV?date=2025-03-18").content.decode()
    for pid in re.findall(r'<article[^>]* data-arxiv-id="([^"]+)"', listed)[:3]:
        SavedPaper.objects.create(collection=collection, paper_id=pid)
        ReadMark.objects.create(owner=reader, paper_id=pid)
    with CaptureQueriesContext(connection) as more:
        html = signed_in.get(url).content.decode()
    assert len(_cards(html)) == 6 and sum(read for _, read in _cards(html)) == 4
    marks = [q for q in more.captured_queries if "library_readmark" in q["sql"]]
    assert len(marks) == 1 and "EXISTS" in marks[0]["sql"].upper()
    assert len(more.captured_queries) == len(few.captured_queries)

    # The shared page shows no one's read marks.
    signed_in.post(f"/library/{collection.pk}/share")
    collection.refresh_from_db()
    shared = signed_in.get(f"/shared/{collection.share_token}").content.decode()
    assert "is-read" not in shared and "Mark read" not in shared


def test_mark_read_and_unread_from_the_collection(signed_in, reader, papers):
    collection = Collection.objects.create(owner=reader, name="Mine")
    SavedPaper.objects.create(collection=collection, paper_id="0704.0001")
    here = f"/library/{collection.pk}?sort=date&unread=1"
    # Without scripts: the form posts and comes back to the same page, at the paper.
    done = signed_in.post("/for-you/read/0704.0001", {"read": "1", "next": here})
    assert done.status_code == 302 and done["Location"] == f"{here}#0704.0001"
    assert ReadMark.objects.filter(owner=reader, paper_id="0704.0001").exists()
    assert _cards(signed_in.get(f"/library/{collection.pk}").content.decode()) == [
        ("0704.0001", True)
    ]
    # With scripts (library.js asks for JSON), and back to unread.
    undone = signed_in.post(
        "/for-you/read/0704.0001", {"read": "0"}, headers={"Accept": "application/json"}
    )
    assert undone.json() == {"paper": "0704.0001", "read": False}
    assert not ReadMark.objects.filter(owner=reader).exists()
    assert _cards(signed_in.get(f"/library/{collection.pk}").content.decode()) == [
        ("0704.0001", False)
    ]


def test_unread_only_filter(signed_in, reader, papers):
    collection = Collection.objects.create(owner=reader, name="Mine")
    for pid in ["hep-th/9709111", "0704.0001", "2503.11677"]:
        SavedPaper.objects.create(collection=collection, paper_id=pid)
    ReadMark.objects.create(owner=reader, paper_id="0704.0001")
    url = f"/library/{collection.pk}"
    page = signed_in.get(url, {"unread": "1", "sort": "date"})
    html = page.content.decode()
    assert page.status_code == 200
    assert [pid for pid, _ in _cards(html)] == ["2503.11677", "hep-th/9709111"]
    assert "3 papers · 2 unread" in html
    assert 'href="?sort=date&amp;unread=1" aria-current="true">unread only' in html
    assert 'href="?sort=added&amp;unread=1">recently saved' in html  # sorting keeps the filter
    assert 'href="?sort=date">all' in html
    # Forms come back to the filtered page.
    assert f'action="/library/{collection.pk}/remove/2503.11677?sort=date&amp;unread=1"' in html
    assert f'name="next" value="/library/{collection.pk}?sort=date&amp;unread=1"' in html
    assert [pid for pid, _ in _cards(signed_in.get(url, {"unread": "0"}).content.decode())] == [
        "2503.11677",
        "0704.0001",
        "hep-th/9709111",
    ]

    ReadMark.objects.create(owner=reader, paper_id="2503.11677")
    ReadMark.objects.create(owner=reader, paper_id="hep-th/9709111")
    everything_read = signed_in.get(url, {"unread": "1"}).content.decode()
    assert _cards(everything_read) == []
    assert "You have read every paper of this collection." in everything_read

    refused = signed_in.get(url, {"unread": "yes"})
    assert refused.status_code == 400
    assert "unread=yes is not a filter: use unread=1" in refused.content.decode()
    assert len(_cards(refused.content.decode())) == 3  # the page, unfiltered, with the reason
