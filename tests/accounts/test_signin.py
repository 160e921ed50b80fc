"""Sign-up, sign-in by password and by emailed code (its one-click link), password reset and
sign-out, with the mails sent through a real SMTP server and read back."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from coolpapers.library.models import Collection
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_sign_up_makes_a_reading_list_and_mails_a_confirmation(client, mailbox):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form class="account-form"' in html and 'class="site-header"' in html
    answer = client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert answer.status_code == 302
    # Every sign-in passes by the merge offer, then goes where it was going.
    assert answer["Location"].startswith(reverse("account_merge") + "?next=")
    user = User.objects.get(email="new@example.org")
    assert [c.name for c in Collection.objects.filter(owner=user)] == ["Reading list"]
    assert client.session["_auth_user_id"] == str(user.pk)
    (message,) = mailbox.to("new@example.org")
    assert message["Subject"].startswith("[Cool Papers] ")
    confirm = [
        link for link in mailbox.links("new@example.org") if "/accounts/confirm-email/" in link
    ]
    assert confirm
    client.post(path_of(confirm[0]))
    assert user.emailaddress_set.get().verified


def test_sign_up_refuses_a_taken_address_and_a_weak_password(client, reader):
    answer = client.post(
        reverse("account_signup"),
        {"email": "x@example.org", "password1": "1234", "password2": "1234"},
    )
    assert answer.status_code == 200  # allauth re-renders the form with the errors beside
    html = answer.content.decode()
    assert 'aria-invalid="true"' in html and "notice-error" in html
    assert not User.objects.filter(email="x@example.org").exists()


def test_password_sign_in_and_sign_out(client, reader):
    login = client.get(reverse("account_login"))
    assert "Send me a sign-in code" in login.content.decode()
    answer = client.post(
        reverse("account_login") + "?next=/arxiv/cs.CL",
        {"login": "Reader@Example.org", "password": PASSWORD},
    )
    assert answer.status_code == 302
    assert answer["Location"] == reverse("account_merge") + "?next=%2Farxiv%2Fcs.CL"
    assert client.session["_auth_user_id"] == str(reader.pk)
    # Sign-out is a POST (a GET only asks).
    assert client.get(reverse("account_logout")).status_code == 200
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_sign_in_by_code_with_the_mails_one_click_link(client, reader, mailbox):
    answer = client.post(reverse("account_request_login_code"), {"email": "reader@example.org"})
    assert answer.status_code == 302
    text = mailbox.last_text("reader@example.org")
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\r?$", text, re.MULTILINE).group(1)
    (link,) = [u for u in mailbox.links("reader@example.org") if "/login/code/confirm/" in u]
    assert parse_qs(urlsplit(link).query)["code"] == [code]
    # The link opens the code page with the code filled in (accounts.js submits it).
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert f'value="{code}"' in page.content.decode()
    assert "_auth_user_id" not in client.session
    signed_in = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert signed_in.status_code == 302
    assert signed_in["Location"].startswith(reverse("account_merge"))
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_the_code_link_is_useless_in_another_browser(client, reader, mailbox):
    client.post(reverse("account_request_login_code"), {"email": "reader@example.org"})
    (link,) = [u for u in mailbox.links("reader@example.org") if "/login/code/confirm/" in u]
    other = Client()
    answer = other.get(path_of(link))
    assert answer.status_code == 302  # back to asking for a code: no pending sign-in here
    assert "_auth_user_id" not in other.session


def test_a_wrong_code_is_refused(client, reader, mailbox):
    client.post(reverse("account_request_login_code"), {"email": "reader@example.org"})
    answer = client.post(reverse("account_confirm_login_code"), {"code": "WRONG1"})
    assert answer.status_code == 200
    assert "notice-error" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_by_mail(client, reader, mailbox):
    answer = client.post(reverse("account_reset_password"), {"email": "reader@example.org"})
    assert answer.status_code == 302
    (link,) = [u for u in mailbox.links("reader@example.org") if "/password/reset/key/" in u]
    form = client.get(path_of(link), follow=True)
    assert form.status_code == 200
    new = "another-Long-passphrase-77"
    done = client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert done.status_code == 302
    reader.refresh_from_db()
    assert reader.check_password(new)
    fresh = Client()
    fresh.post(reverse("account_login"), {"login": "reader@example.org", "password": new})
    assert fresh.session["_auth_user_id"] == str(reader.pk)
