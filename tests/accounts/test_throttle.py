"""Sign-in throttling on allauth's form: django-axes counts its failures by the email typed
(any case) and address; the lockout is a 429 page that says why and what still works."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, login: str, password: str, address: str = "198.51.100.7"):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=address
    )


def test_wrong_passwords_lock_the_account_out_with_a_clear_message(client, reader, settings):
    limit = settings.AXES_FAILURE_LIMIT
    logins = ["reader@example.org", "READER@example.org"]  # one account, whatever the case
    answers = [sign_in(client, logins[n % 2], f"guess-{n}") for n in range(limit)]
    assert [a.status_code for a in answers] == [200] * (limit - 1) + [429]
    assert "notice-error" in answers[0].content.decode()  # wrong password: said beside the form
    locked = sign_in(client, "reader@example.org", PASSWORD)
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed sign-ins for this account from your address" in html
    assert "try again in 15 minutes" in html
    assert 'class="site-header"' in html and "Send me a sign-in code" in html
    assert "_auth_user_id" not in client.session
    # The same account from another address still signs in.
    other = Client()
    assert sign_in(other, "reader@example.org", PASSWORD, address="203.0.113.9").status_code == 302
    assert other.session["_auth_user_id"] == str(reader.pk)


def test_a_success_before_the_limit_resets_the_count(client, reader, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "reader@example.org", f"guess-{n}")
    assert sign_in(client, "reader@example.org", PASSWORD).status_code == 302
    client.post(reverse("account_logout"))
    assert sign_in(client, "reader@example.org", "guess-again").status_code == 200
