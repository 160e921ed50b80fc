"""The library API (/api/collections…): token or session, owner only, precise 400s, and the
import/export round trip, on the real fixture records."""

from __future__ import annotations

import bibtexparser
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coolpapers.library.models import Collection, SavedPaper
from tests.library.test_citations import ZOTERO_BIB

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache(settings, request) -> None:
    """Throttle counts in a fresh local cache per test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"library-api-{request.node.nodeid}",
        }
    }


def make_user(email: str):
    return get_user_model().objects.create_user(username=email, email=email, password="x-pass-123")


@pytest.fixture
def reader():
    return make_user("reader@example.org")


@pytest.fixture
def api(reader) -> APIClient:
    """A program with the reader's token (no session, no CSRF)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    return client


def test_without_a_token_or_session_every_operation_is_401(client):
    for method, url in [
        ("get", "/api/collections"),
        ("post", "/api/collections"),
        ("get", "/api/collections/1"),
        ("patch", "/api/collections/1"),
        ("get", "/api/collections/1/papers"),
        ("put", "/api/collections/1/papers/2503.11677"),
        ("get", "/api/collections/1/export"),
        ("post", "/api/collections/1/import"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == "Token"


def test_collections_are_made_listed_changed_and_deleted(api, reader):
    response = api.post(
        "/api/collections",
        {"name": "  Gravitinos  ", "keywords": "susy, , gravitino"},
        format="json",
    )
    assert response.status_code == 201
    made = response.json()
    assert made["name"] == "Gravitinos" and made["keywords"] == "susy, gravitino"
    assert made["papers"] == 0 and made["shared"] is False and made["share_url"] is None

    assert api.post("/api/collections", {"name": "gravitinos"}, format="json").json() == {
        "name": ["You already have a collection named “gravitinos”."]
    }
    assert (
        api.post("/api/collections", {"description": "no name"}, format="json").status_code == 400
    )
    assert api.post("/api/collections", {"name": "x" * 101}, format="json").status_code == 400

    url = f"/api/collections/{made['id']}"
    changed = api.patch(url, {"name": "SUSY", "is_profile": False, "shared": True}, format="json")
    assert changed.status_code == 200
    body = changed.json()
    assert body["name"] == "SUSY" and body["is_profile"] is False
    token = Collection.objects.get(pk=made["id"]).share_token
    assert body["share_url"] == f"http://testserver/shared/{token}"
    assert api.patch(url, {"is_profile": "maybe"}, format="json").status_code == 400
    assert Collection.objects.get(pk=made["id"]).name == "SUSY"  # nothing damaged

    assert [c["name"] for c in api.get("/api/collections").json()] == ["SUSY"]
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_papers_are_saved_noted_listed_and_removed(api, reader, papers):
    collection = Collection.objects.create(owner=reader, name="Reading list")
    url = f"/api/collections/{collection.pk}/papers"
    added = api.post(url, {"paper": "arXiv:hep-th/9709111v2", "note": "See *eq. 3*"}, format="json")
    assert added.status_code == 201
    assert added.json()["arxiv_id"] == "hep-th/9709111"
    assert "<em>eq. 3</em>" in added.json()["note_html"]
    assert api.post(url, {"paper": "hep-th/9709111"}, format="json").status_code == 200  # once
    assert api.post(url, {"paper": "2503.11677"}, format="json").status_code == 201

    assert api.post(url, {"paper": "not-an-id"}, format="json").status_code == 400
    missing = api.post(url, {"paper": "2501.00001"}, format="json")
    assert missing.status_code == 400 and "not in our database" in missing.json()["paper"][0]

    note = api.put(f"{url}/hep-th/9709111", {"note": "Formula $x^2$"}, format="json")
    assert note.status_code == 200
    assert 'class="math' in note.json()["note_html"]
    assert api.put(f"{url}/2501.00001", {"note": "x"}, format="json").status_code == 404
    assert api.put(f"{url}/nonsense", {"note": "x"}, format="json").status_code == 400

    listed = api.get(url).json()
    assert listed["count"] == 2
    assert [p["arxiv_id"] for p in listed["results"]] == ["2503.11677", "hep-th/9709111"]
    by_date = api.get(url, {"sort": "date"}).json()
    assert [p["arxiv_id"] for p in by_date["results"]] == ["2503.11677", "hep-th/9709111"]
    assert api.get(url, {"sort": "stars"}).status_code == 400
    assert api.get(url, {"page": 9}).status_code == 404

    assert api.delete(f"{url}/hep-th/9709111").status_code == 204
    assert api.delete(f"{url}/hep-th/9709111").status_code == 404
    assert list(SavedPaper.objects.values_list("paper_id", flat=True)) == ["2503.11677"]


def test_another_readers_collection_is_a_404(api, papers):
    other = make_user("other@example.org")
    theirs = Collection.objects.create(owner=other, name="Private")
    SavedPaper.objects.create(collection=theirs, paper_id="2503.11677", note="secret")
    base = f"/api/collections/{theirs.pk}"
    assert api.get(base).status_code == 404
    assert api.patch(base, {"name": "mine now"}, format="json").status_code == 404
    assert api.delete(base).status_code == 404
    assert api.get(f"{base}/papers").status_code == 404
    assert api.post(f"{base}/papers", {"paper": "hep-th/9709111"}, format="json").status_code == 404
    assert api.delete(f"{base}/papers/2503.11677").status_code == 404
    assert api.get(f"{base}/export").status_code == 404
    assert api.get("/api/collections").json() == []
    for odd in ["-1", "x", "1.5", "99999999999999999999999", "%0A"]:
        response = api.get(f"/api/collections/{odd}/papers")
        assert response.status_code == 404 and "detail" in response.json(), odd
    assert Collection.objects.get(pk=theirs.pk).name == "Private"
    assert SavedPaper.objects.filter(collection=theirs).count() == 1


def test_export_and_import_round_trip(api, reader, papers):
    source = Collection.objects.create(owner=reader, name="Source set")
    for pid in ["0704.0001", "hep-th/9709111", "2503.11677"]:
        SavedPaper.objects.create(collection=source, paper_id=pid, note=f"note on {pid}")
    bib = api.get(f"/api/collections/{source.pk}/export", {"format": "bibtex"})
    assert bib.status_code == 200
    assert bib["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert bib["Content-Disposition"] == 'attachment; filename="Source-set.bib"'
    entries = bibtexparser.parse_string(bib.content.decode()).entries
    assert [e["eprint"] for e in entries] == ["0704.0001", "hep-th/9709111", "2503.11677"]
    ris = api.get(f"/api/collections/{source.pk}/export", {"format": "ris"})
    assert ris["Content-Type"].startswith("application/x-research-info-systems")
    assert ris.content.decode().count("TY  - UNPB") == 3
    assert api.get(f"/api/collections/{source.pk}/export", {"format": "pdf"}).status_code == 400

    target = Collection.objects.create(owner=reader, name="Target")
    url = f"/api/collections/{target.pk}/import"
    upload = SimpleUploadedFile("library.bib", bib.content)
    report = api.post(url, {"file": upload}, format="multipart").json()
    assert report == {
        "entries": 3,
        "added": ["0704.0001", "hep-th/9709111", "2503.11677"],
        "already_there": [],
        "not_matched": [],
    }
    again = api.post(
        url, {"file": SimpleUploadedFile("library.bib", bib.content)}, format="multipart"
    )
    assert again.json()["added"] == [] and len(again.json()["already_there"]) == 3
    assert SavedPaper.objects.filter(collection=target).count() == 3


def test_import_reports_what_did_not_match_and_refuses_bad_files_whole(api, reader, papers):
    target = Collection.objects.create(owner=reader, name="Zotero")
    url = f"/api/collections/{target.pk}/import"
    report = api.post(
        url, {"file": SimpleUploadedFile("z.bib", ZOTERO_BIB.encode())}, format="multipart"
    )
    assert report.status_code == 200
    assert report.json()["not_matched"] == ["A paper this site does not hold"]
    assert len(report.json()["added"]) == 3

    broken = ZOTERO_BIB.replace("year = {2020},\n}", "year = {2020")  # the last entry unclosed
    refused = api.post(
        url, {"file": SimpleUploadedFile("b.bib", broken.encode())}, format="multipart"
    )
    assert refused.status_code == 400
    assert "not valid BibTeX" in refused.json()["file"][0]
    assert api.post(url, {}, format="multipart").json() == {
        "file": ["Send a .bib or .ris file as the multipart field “file”."]
    }
    assert SavedPaper.objects.filter(collection=target).count() == 3


def test_the_session_needs_the_csrf_header(reader, papers):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reader)
    assert browser.get("/api/collections").status_code == 200
    refused = browser.post("/api/collections", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    token = browser.get("/csrf").json()["token"]
    made = browser.post(
        "/api/collections", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert made.status_code == 201


def test_the_operations_are_in_the_openapi_schema(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert set(paths["/api/collections"]) == {"get", "post"}
    assert set(paths["/api/collections/{collection_id}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/collections/{collection_id}/papers"]) == {"get", "post"}
    assert set(paths["/api/collections/{collection_id}/papers/{id}"]) == {"put", "delete"}
    export = paths["/api/collections/{collection_id}/export"]["get"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(export["responses"])
    imported = paths["/api/collections/{collection_id}/import"]["post"]
    assert "multipart/form-data" in imported["requestBody"]["content"]
