"""Digest fixtures: a real SMTP server (aiosmtpd) the site sends through and the tests read
back, readers with confirmed addresses and profiles, and a fresh announcement day."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

SMTP_PORT = 8141  # this part's ports: 8140-8149 (FEED.md)


@dataclass
class Sink:
    """What the SMTP server received: messages (parsed) and how many sessions said EHLO."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    sessions: int = 0
    refuse: set[str] = field(default_factory=set)  # these addresses get a 550
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [
            m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt
        ]


def start_sink(port: int) -> tuple[Sink, object]:
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return sink, controller


@pytest.fixture
def smtp(settings) -> Iterator[Sink]:
    """aiosmtpd on 127.0.0.1:8141, and the site's SMTP backend pointed at it."""
    sink, controller = start_sink(SMTP_PORT)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = SMTP_PORT
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield sink
    finally:
        controller.stop()


def make_reader(name: str, *, verified: bool = True, enabled: bool = True, size: int = 5, **kw):
    """A reader (email name@example.org, confirmed unless told) with one profile whose digest
    is on (unless told), of `size` papers; returns (user, collection)."""
    from allauth.account.models import EmailAddress

    from coolpapers.digests.models import DigestSettings
    from coolpapers.library.models import Collection

    address = f"{name}@example.org"
    user = get_user_model().objects.create_user(name, address, "pw-" + "x" * 16)
    EmailAddress.objects.create(user=user, email=address, primary=True, verified=verified)
    collection = Collection.objects.create(
        owner=user,
        name=kw.get("profile", f"{name}'s profile"),
        is_profile=kw.get("is_profile", True),
    )
    DigestSettings.objects.create(collection=collection, enabled=enabled, size=size)
    return user, collection


def announce_today(count: int = 12) -> date:
    """A new announcement day, the one the calendar says is the latest now: `count` of the
    fixture papers announced on it again (as new submissions)."""
    from coolpapers.papers.announcements import ANNOUNCE_NEW
    from coolpapers.papers.models import Announcement, Paper
    from coolpapers.papers.schedule import latest_announcement

    day = latest_announcement(timezone.now())
    ids = list(Paper.objects.order_by("arxiv_id").values_list("pk", flat=True)[:count])
    Announcement.objects.bulk_create(
        [Announcement(paper_id=pid, date=day, kind=ANNOUNCE_NEW) for pid in ids],
        ignore_conflicts=True,
    )
    return day
