"""/accounts/data: the export of everything, deleting the account, API tokens."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from coolpapers.library.models import Collection, Rating, ReadMark, SavedPaper, SeenMark
from coolpapers.papers.models import Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, reader) -> Client:
    client.force_login(reader)
    return client


@pytest.fixture
def library(reader, papers) -> dict:
    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True)[:4])
    first = Collection.objects.get(owner=reader)
    second = Collection.objects.create(owner=reader, name="Diffusion", keywords="diffusion, score")
    SavedPaper.objects.create(collection=first, paper_id=ids[0], note="Read §3 $x^2$")
    SavedPaper.objects.create(collection=second, paper_id=ids[1])
    Rating.objects.create(collection=second, paper_id=ids[2], value=Rating.UP)
    Rating.objects.create(collection=second, paper_id=ids[3], value=Rating.DOWN)
    ReadMark.objects.create(owner=reader, paper_id=ids[0])
    SeenMark.objects.create(owner=reader, paper_id=ids[1])
    return {"ids": ids, "collections": [first, second]}


def test_the_data_page_is_private_and_needs_a_sign_in(client, reader):
    answer = client.get(reverse("account_data"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("account_login"))
    client.force_login(reader)
    page = client.get(reverse("account_data"))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    assert "reader@example.org" in page.content.decode()


def test_export_holds_everything(signed_in, reader, library):
    answer = signed_in.get(reverse("account_export"))
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith('attachment; filename="coolpapers-account-')
    data = json.loads(answer.content)
    assert data["format"] == "coolpapers-account/1"
    assert data["account"]["email"] == "reader@example.org"
    assert data["account"]["emails"] == [
        {"email": "reader@example.org", "verified": True, "primary": True}
    ]
    first, second = data["collections"]
    ids = library["ids"]
    assert first["name"] == "Reading list"
    assert [(p["arxiv_id"], p["note"]) for p in first["papers"]] == [(ids[0], "Read §3 $x^2$")]
    assert second["keywords"] == ["diffusion", "score"]
    assert sorted((r["arxiv_id"], r["rating"]) for r in second["ratings"]) == [
        (ids[2], "up"),
        (ids[3], "down"),
    ]
    assert [m["arxiv_id"] for m in data["read"]] == [ids[0]]
    assert [m["arxiv_id"] for m in data["seen"]] == [ids[1]]
    assert "digests" in data  # the digests app's section, joined in


def test_delete_needs_the_email_typed_then_removes_everything(signed_in, reader, library):
    Token.objects.create(user=reader)
    wrong = signed_in.post(reverse("account_delete"), {"email": "someone@example.org"})
    assert wrong.status_code == 400
    html = wrong.content.decode()
    assert "not this account&#x27;s email address" in html and 'aria-invalid="true"' in html
    assert User.objects.filter(pk=reader.pk).exists()
    assert signed_in.post(reverse("account_delete"), {}).status_code == 400
    gone = signed_in.post(reverse("account_delete"), {"email": " READER@example.org "})
    assert gone.status_code == 302 and gone["Location"] == reverse("account_deleted")
    assert not User.objects.filter(pk=reader.pk).exists()
    for model in (Collection, SavedPaper, Rating, ReadMark, SeenMark, Token):
        assert model.objects.count() == 0, model
    assert Paper.objects.filter(pk__in=library["ids"]).count() == 4  # the papers stay
    assert "_auth_user_id" not in signed_in.session
    assert signed_in.get(reverse("account_deleted")).status_code == 200


def test_delete_only_by_post(signed_in, reader):
    assert signed_in.get(reverse("account_delete")).status_code == 405
    assert User.objects.filter(pk=reader.pk).exists()


def test_api_token_made_shown_once_used_and_revoked(signed_in, reader, papers):
    made = signed_in.post(reverse("account_token"))
    assert made.status_code == 302
    key = Token.objects.get(user=reader).key
    page = signed_in.get(reverse("account_data")).content.decode()
    assert key in page
    assert key not in signed_in.get(reverse("account_data")).content.decode()  # once
    program = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert program.get("/api/papers/", **auth).status_code == 200
    # A new one replaces the old.
    signed_in.post(reverse("account_token"))
    assert Token.objects.filter(user=reader).count() == 1
    assert program.get("/api/papers/", **auth).status_code in (401, 403)  # refused
    signed_in.post(reverse("account_token_revoke"))
    assert not Token.objects.filter(user=reader).exists()
