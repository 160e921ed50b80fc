"""Paper notes: stored with their HTML, shown on the paper page, previewed in the admin,
written by staff through the API."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from coolpapers.papers.models import Paper
from coolpapers.rendering import models as note_models
from coolpapers.rendering.markdown import render_markdown
from coolpapers.rendering.models import Note
from tests.rendering.conftest import MATH_PAPERS
from tests.rendering.html_check import assert_safe

pytestmark = pytest.mark.django_db

NOTE = "*Roots*: $x_{1,2} = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}$ <script>alert(1)</script>"
needs_tokens = pytest.mark.skipif(
    "rest_framework.authtoken" not in settings.INSTALLED_APPS,
    reason='token auth needs "rest_framework.authtoken" in INSTALLED_APPS (see the report)',
)


@pytest.fixture
def paper(db) -> Paper:
    call_command("ingest_arxiv", str(MATH_PAPERS), verbosity=0)
    return Paper.objects.order_by("pk").first()


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("editor", password="pw", is_staff=True)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="pw")


# --- the model ----------------------------------------------------------------------------


def test_saving_a_note_stores_its_html(paper):
    note = Note.objects.create(paper=paper, title="Q?", body=NOTE)
    assert note.html == render_markdown(NOTE)
    note.body = "now $y$"
    note.save(update_fields=["body"])
    note.refresh_from_db()
    assert note.html == render_markdown("now $y$")


def test_html_of_an_older_renderer_is_rendered_again(paper, monkeypatch):
    note = Note.objects.create(paper=paper, title="Q?", body="$a$")
    Note.objects.filter(pk=note.pk).update(html="stale", html_version="0")
    note.refresh_from_db()
    assert note.rendered == render_markdown("$a$")
    note.refresh_from_db()
    assert (note.html, note.html_version) == (render_markdown("$a$"), note_models.RENDERER_VERSION)


# --- the paper page -----------------------------------------------------------------------


def test_paper_page_shows_notes_in_order(client, paper):
    Note.objects.create(paper=paper, title="Second $b$", body="two", order=2)
    Note.objects.create(paper=paper, title="First", body=NOTE, order=1)
    page = client.get(f"/arxiv/{paper.pk}").content.decode()
    first, second = page.index(">First</h3>"), page.index("Second ")
    assert first < second
    assert '<div class="note-body tex notranslate" translate="no">' in page
    assert render_markdown(NOTE) in page
    assert "<script>alert(1)" not in page


def test_paper_page_without_notes_has_no_section(client, paper):
    assert "paper-notes" not in client.get(f"/arxiv/{paper.pk}").content.decode()


def test_pages_name_mathjax_for_math_js_and_are_the_same_with_math_off(client, paper):
    page = client.get(f"/arxiv/{paper.pk}").content.decode()
    assert re.search(
        r'<script src="/static/coolpapers/js/math.js" '
        r'data-mathjax="/static/vendor/mathjax/startup.js" defer></script>',
        page,
    )
    assert page.count("startup.js") == 1  # loaded by math.js, unless the reader said no
    assert 'data-math="off"' in page
    # Pages are cached for every reader: the setting is applied in the browser (math.js,
    # tests/rendering/test_browser.py), not on the server.
    client.cookies["math"] = "off"
    assert client.get(f"/arxiv/{paper.pk}").content.decode() == page


# --- the admin ----------------------------------------------------------------------------


@pytest.fixture
def preview_url() -> str:
    return reverse("admin:rendering_note_preview")


def test_admin_preview_renders_markdown_for_staff(client, superuser, preview_url):
    client.force_login(superuser)
    response = client.post(preview_url, {"body": NOTE})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == render_markdown(NOTE)
    assert client.get(preview_url).status_code == 405


def test_admin_preview_is_for_staff_with_rights_and_a_csrf_token(
    client, staff, superuser, preview_url
):
    assert client.post(preview_url, {"body": "x"}).status_code == 302
    client.force_login(staff)  # staff, but no permission on notes
    assert client.post(preview_url, {"body": "x"}).status_code == 403
    checked = type(client)(enforce_csrf_checks=True)
    checked.force_login(superuser)
    assert checked.post(preview_url, {"body": "x"}).status_code == 403


def test_admin_form_points_the_preview_script_at_the_preview(client, superuser, paper, preview_url):
    client.force_login(superuser)
    add_url = reverse("admin:rendering_note_add")
    page = client.get(add_url).content.decode()
    assert f'data-preview-url="{preview_url}"' in page
    assert page.index("coolpapers/js/math.js") < page.index("vendor/mathjax/startup.js")
    assert "rendering/note-preview.js" in page
    response = client.post(add_url, {"paper": paper.pk, "title": "Why?", "body": NOTE, "order": 1})
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.author, note.html) == (superuser, render_markdown(NOTE))


# --- the API ------------------------------------------------------------------------------


def notes_url(paper: Paper) -> str:
    return f"/api/papers/{paper.pk}/notes"


def expected(*notes: tuple[str, str]) -> list[dict]:
    return [
        {"title": title, "source": source, "html": render_markdown(source)}
        for title, source in notes
    ]


@needs_tokens
def test_staff_add_and_replace_notes_with_a_token(staff, paper):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    response = client.post(notes_url(paper), {"title": "Q1", "source": NOTE}, format="json")
    assert response.status_code == 201
    assert response.json() == expected(("Q1", NOTE))
    response = client.post(notes_url(paper), {"title": "Q2", "source": "$b$"}, format="json")
    assert response.json() == expected(("Q1", NOTE), ("Q2", "$b$"))
    assert list(Note.objects.values_list("order", "author")) == [(1, staff.pk), (2, staff.pk)]

    body = [{"title": "New", "source": "_x_"}, {"title": "Q1", "source": "$a$"}]
    response = client.put(notes_url(paper), body, format="json")
    assert response.status_code == 200
    assert response.json() == expected(("New", "_x_"), ("Q1", "$a$"))
    assert_safe(response.json()[0]["html"], markdown=True)


@needs_tokens
def test_a_token_of_a_reader_is_refused(paper):
    from rest_framework.authtoken.models import Token

    reader = get_user_model().objects.create_user("reader", password="pw")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    response = client.post(notes_url(paper), {"title": "Q", "source": "x"}, format="json")
    assert response.status_code == 403
    assert not Note.objects.exists()


def test_anonymous_clients_are_refused(paper):
    response = APIClient().post(notes_url(paper), {"title": "Q", "source": "x"}, format="json")
    assert response.status_code in (401, 403)
    assert not Note.objects.exists()


def test_a_staff_session_needs_the_csrf_token(staff, paper):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(notes_url(paper), {"title": "Q", "source": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    token = client.get("/csrf").json()["token"]  # as the site's scripts get it
    response = client.post(
        notes_url(paper), {"title": "Q", "source": "x"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201


def test_bad_ids_and_bodies(staff, paper):
    client = APIClient()
    client.force_authenticate(staff)
    assert client.post("/api/papers/nonsense/notes", {}, format="json").status_code == 400
    assert client.post("/api/papers/2501.99999/notes", {}, format="json").status_code == 404
    response = client.post(notes_url(paper), {"title": "Q"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"source"}
    assert client.put(notes_url(paper), {"title": "Q"}, format="json").status_code == 400
    assert not Note.objects.exists()
