"""The feed API: ratings, For you and read marks, with a reader's token; only their own data;
bad input a 400 that names the field; in the OpenAPI schema."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coolpapers.library.models import Collection, Rating, ReadMark
from tests.personal.foryou_support import *  # noqa: F403 (its fixtures)
from tests.personal.foryou_support import day_ids

BUSY = date(2025, 3, 18)


@pytest.fixture
def api(reader, own_cache) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/ratings"),
        ("put", "/api/ratings/2503.11677"),
        ("get", "/api/for-you"),
        ("put", "/api/read/2503.11677"),
        ("delete", "/api/read/2503.11677"),
    ],
)
def test_without_a_token_nothing_is_shown_or_changed(papers, own_cache, method, path):
    response = getattr(APIClient(), method)(path, {"value": "up"}, format="json")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")


def test_rate_list_and_unrate(papers, api, profile):
    paper = day_ids(BUSY)[0]
    response = api.put(f"/api/ratings/arXiv:{paper}v1", {"value": "up"}, format="json")
    assert response.status_code == 200
    assert response.json()["paper"] == paper and response.json()["value"] == 1
    api.put(f"/api/ratings/{paper}", {"value": -1}, format="json")
    listed = api.get("/api/ratings").json()
    assert listed["count"] == 1 and listed["results"][0]["value"] == -1
    assert listed["results"][0]["profile"] == profile.pk
    assert api.delete(f"/api/ratings/{paper}").status_code == 204
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "query", "field"),
    [
        ("/api/ratings/2503.11677", {"value": "sideways"}, "", "value"),
        ("/api/ratings/2503.11677", {}, "", "value"),
        ("/api/ratings/nonsense", {"value": "up"}, "", "id"),
        ("/api/ratings/2503.11677", {"value": "up"}, "?profile=abc", "profile"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(papers, api, profile, path, body, query, field):
    response = api.put(path + query, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Rating.objects.exists()


def test_another_readers_profile_is_a_404(papers, api, profile):
    other = get_user_model().objects.create_user("other", "o@example.org", "x" * 20)
    theirs = Collection.objects.create(owner=other, name="Theirs")
    Rating.objects.create(collection=theirs, paper_id=day_ids(BUSY)[0], value=1)
    assert api.get(f"/api/ratings?profile={theirs.pk}").status_code == 404
    response = api.put(f"/api/ratings/{day_ids(BUSY)[1]}?profile={theirs.pk}", {"value": "up"})
    assert response.status_code == 404
    assert api.get(f"/api/for-you?profile={theirs.pk}").status_code == 404
    assert Rating.objects.count() == 1


def test_for_you_ranks_the_day_with_why_rating_and_marks(related, api, profile, sync_training):
    ids = day_ids(BUSY)
    api.put(f"/api/ratings/{ids[40]}", {"value": "up"}, format="json")
    api.put(f"/api/read/{ids[40]}")
    body = api.get("/api/for-you", {"date": "2025-03-18", "page_size": 10}).json()
    assert body["count"] == 50 and body["date"] == "2025-03-18"
    assert body["profile"] == {"id": profile.pk, "name": profile.name}
    first, second = body["results"][:2]
    assert first["paper"]["id"] == ids[40] and first["rank"] == 1
    assert first["rating"] == 1 and first["read"] is True
    assert ids[40] in second["why"]["papers"] and second["why"]["words"]
    assert "page=2" in body["next"]
    last = api.get("/api/for-you", {"date": "2025-03-18", "page_size": 10, "page": 5}).json()
    assert last["results"][-1]["rank"] == 50 and last["next"] is None
    assert api.get("/api/for-you", {"date": "2025-03-18", "page": 9}).status_code == 404
    assert "date" in api.get("/api/for-you", {"date": "18.03.2025"}).json()


def test_read_marks(papers, api, reader):
    paper = day_ids(BUSY)[3]
    assert api.put(f"/api/read/{paper}").json() == {"paper": paper, "read": True}
    assert ReadMark.objects.filter(owner=reader, paper_id=paper).exists()
    assert api.delete(f"/api/read/{paper}").status_code == 204
    assert not ReadMark.objects.exists()
    assert api.put("/api/read/2101.99999").status_code == 404


def test_the_schema_documents_the_feed(client, db):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"/api/ratings", "/api/ratings/{id}", "/api/for-you", "/api/read/{id}"} <= set(paths)
    assert set(paths["/api/for-you"]["get"]["responses"]) >= {"200", "400", "401", "404", "429"}
