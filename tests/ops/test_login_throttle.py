"""Sign-in throttling (django-axes): wrong passwords for one username from one address lock
that pair out with a 429 for a while, the right password included; nobody else is affected."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = f"/{django_settings.ADMIN_URL}login/"
PASSWORD = "a-Long-and-rare-passphrase-42"


@pytest.fixture
def staff() -> list[User]:
    return [
        User.objects.create_user(name, password=PASSWORD, is_staff=True, is_superuser=True)
        for name in ("editor", "other-editor")
    ]


def sign_in(client: Client, username: str, password: str, address: str = "198.51.100.4"):
    data = {"username": username, "password": password, "next": f"/{django_settings.ADMIN_URL}"}
    return client.post(LOGIN, data, REMOTE_ADDR=address)


def test_the_limit_locks_the_username_and_address_out(client, staff, settings):
    limit = settings.AXES_FAILURE_LIMIT
    answers = [sign_in(client, "editor", f"guess-{n}").status_code for n in range(limit)]
    assert answers == [200] * (limit - 1) + [429]  # the form again, then locked
    locked = sign_in(client, "editor", "guess-again")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    # The right password changes nothing while locked out.
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from that address, and this user from another address, sign in.
    assert sign_in(Client(), "other-editor", PASSWORD).status_code == 302
    assert sign_in(Client(), "editor", PASSWORD, address="203.0.113.5").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, staff, settings):
    # Seconds enough that a loaded machine's slow sign-ins (a password hash each) still end
    # inside the lockout.
    settings.AXES_COOLOFF_TIME = timedelta(seconds=4)
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        sign_in(client, "editor", f"guess-{n}")
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    time.sleep(4.2)
    assert sign_in(client, "editor", PASSWORD).status_code == 302
