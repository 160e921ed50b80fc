"""Accounts tests: a real SMTP server (aiosmtpd) the site sends through, read back here."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

SMTP_PORT = 8111


class Mailbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls it so
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    def last_text(self, address: str) -> str:
        message = self.to(address)[-1]
        return message.get_body(preferencelist=("plain",)).get_content()

    def links(self, address: str) -> list[str]:
        return re.findall(r"https?://\S+", self.last_text(address))


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = SMTP_PORT
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _own_cache(settings, request) -> None:
    """allauth's and axes' rate limits live in the cache: a fresh one per test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"accounts-test-{request.node.nodeid}",
        }
    }


PASSWORD = "a-Long-and-rare-passphrase-42"


@pytest.fixture
def reader(db):
    """A reader with an account made the way sign-up makes it (verified email)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import User

    from coolpapers.library.models import ensure_default

    user = User.objects.create_user("reader", "reader@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    ensure_default(user)
    return user
