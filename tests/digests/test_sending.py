"""The dispatcher and its chunks against a real SMTP server: who gets what, once."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from coolpapers.digests import sending
from coolpapers.digests.models import Delivery, DigestSettings, Dispatch
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.jobs.status import JobStatus
from coolpapers.papers.announcements import ANNOUNCE_NEW
from coolpapers.papers.models import Announcement
from tests.digests.conftest import announce_today, make_reader

pytestmark = pytest.mark.django_db

MATH_PAPER = "2503.19253"  # "$L^2$FMamba: Lightweight Light Field Image Super-Resolution …"


def inline(day: str, ids: list[int]) -> None:
    """The chunks run here, one after the other (the worker test runs them in Celery)."""
    sending.send_chunk(date.fromisoformat(day), ids)


@pytest.fixture
def day(papers) -> date:
    today = announce_today(12)
    Announcement.objects.get_or_create(
        paper_id=MATH_PAPER, date=today, defaults={"kind": ANNOUNCE_NEW}
    )
    return today


def test_dispatch_mails_each_due_profile_once_through_one_connection_per_chunk(
    smtp, day, settings
) -> None:
    settings.DIGEST_CHUNK_SIZE = 2
    _, ann_profile = make_reader("ann", size=13)
    make_reader("bob", size=3)
    make_reader("cid", size=3)
    make_reader("off", enabled=False)
    make_reader("unconfirmed", verified=False)
    make_reader("notprofile", is_profile=False)

    result = sending.dispatch(inline)

    assert (result.day, result.profiles, result.chunks) == (day, 3, 2)
    assert sorted(r[0] for r in smtp.recipients) == [
        "ann@example.org",
        "bob@example.org",
        "cid@example.org",
    ]
    assert smtp.sessions == 2  # one SMTP connection per chunk, not one per message
    message = smtp.to("ann@example.org")[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip()  # folded onto its own line
    assert unsubscribe.startswith("<http://127.0.0.1:8000/digests/unsubscribe/")
    assert "ann's profile" in message["Subject"] and "13 papers" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # Math as readable text: no TeX left in the title, in both parts.
    assert "L^2FMamba: Lightweight Light Field" in text and "$" not in text
    assert "L^2FMamba: Lightweight Light Field" in html
    assert f"http://127.0.0.1:8000/arxiv/{MATH_PAPER}" in text
    assert f'href="http://127.0.0.1:8000/arxiv/{MATH_PAPER}"' in html
    assert text.count("http://127.0.0.1:8000/arxiv/") == 13
    assert "http://127.0.0.1:8000/library/" in text  # the settings link

    sent = Delivery.objects.get(collection=ann_profile, day=day)
    assert sent.status == Delivery.SENT and len(sent.papers) == 13 and sent.sent_at
    assert DigestSettings.objects.get(collection=ann_profile).last_sent_day == day
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SENT}

    # The next beat runs: the day was dispatched, nothing goes out again.
    again = sending.dispatch(inline)
    assert again.profiles == 0 and again.reason == "already dispatched"
    later = sending.dispatch(inline, now=timezone.now() + timedelta(hours=2))
    assert (later.profiles, later.chunks) == (0, 0)
    assert len(smtp.messages) == 3
    assert Dispatch.objects.get(day=day).profiles == 3


def test_no_new_announcement_day_sends_nothing(smtp, papers) -> None:
    make_reader("ann")
    # The fixture's days are long past: beat's dispatcher does not mail them.
    result = sending.dispatch(inline)
    assert result.day is None and "older than" in result.reason
    assert smtp.messages == [] and not Dispatch.objects.exists()


def test_nothing_sent_while_the_days_harvest_runs(smtp, day) -> None:
    make_reader("ann")
    job = IngestionJob.objects.create(kind=JobKind.TODAY, status=JobStatus.RUNNING)
    result = sending.dispatch(inline)
    assert result.day is None and "harvest" in result.reason and smtp.messages == []
    # A harvest stranded for hours (its worker died) holds the digests back no longer.
    stranded = timezone.now() - sending.HARVEST_WAIT - timedelta(minutes=1)
    IngestionJob.objects.filter(pk=job.pk).update(created_at=stranded)
    assert sending.dispatch(inline).profiles == 1 and len(smtp.messages) == 1


def test_a_retried_chunk_never_sends_twice(smtp, day) -> None:
    _, profile = make_reader("ann")
    first = sending.send_chunk(day, [profile.pk])
    second = sending.send_chunk(day, [profile.pk])
    assert (first.sent, second.sent, second.already) == (1, 0, 1)
    # Even a chunk that started before the first one finished (it claims the same row).
    assert sending.claim(profile.pk, day) is None
    assert len(smtp.messages) == 1


def test_a_refused_message_is_tried_again_on_the_next_sweep(smtp, day, settings) -> None:
    _, ann_profile = make_reader("ann")
    make_reader("bob")
    smtp.refuse.add("ann@example.org")
    first = sending.dispatch(inline)
    assert first.profiles == 2 and len(smtp.messages) == 1  # bob's went through the same chunk
    failed = Delivery.objects.get(collection=ann_profile)
    assert failed.status == Delivery.FAILED and "550" in failed.error

    smtp.refuse.clear()
    later = sending.dispatch(inline, now=timezone.now() + timedelta(hours=2))
    assert later.profiles == 1
    delivered = Delivery.objects.get(collection=ann_profile)
    assert (delivered.status, delivered.attempts) == (Delivery.SENT, 2)
    assert [r[0] for r in smtp.recipients] == ["bob@example.org", "ann@example.org"]


def test_profiles_turned_off_after_dispatch_are_skipped(smtp, day) -> None:
    _, profile = make_reader("ann")
    DigestSettings.objects.filter(collection=profile).update(enabled=False)
    result = sending.send_chunk(day, [profile.pk])
    assert (result.sent, result.skipped) == (0, 1) and smtp.messages == []


def test_one_click_unsubscribe_from_the_header(smtp, day) -> None:
    _, profile = make_reader("ann")
    sending.dispatch(inline)
    url = smtp.messages[0]["List-Unsubscribe"].strip().strip("<>")
    path = urlsplit(url).path
    client = Client(enforce_csrf_checks=True)  # a mail provider: no cookie, no CSRF token

    page = client.get(path)  # GET only asks (link scanners must not unsubscribe anyone)
    assert page.status_code == 200 and b"Unsubscribe?" in page.content
    assert DigestSettings.objects.get(collection=profile).enabled

    done = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200 and b"Unsubscribed" in done.content
    assert not DigestSettings.objects.get(collection=profile).enabled
    assert client.post(path).status_code == 200  # twice is fine

    # Unsubscribed: the next day's dispatch leaves this reader out.
    assert sending.pending_profiles(day + timedelta(days=1)) == []


def test_a_forged_or_cut_unsubscribe_link_is_a_400(smtp, day) -> None:
    _, profile = make_reader("ann")
    sending.dispatch(inline)
    path = urlsplit(smtp.messages[0]["List-Unsubscribe"].strip().strip("<>")).path
    for bad in (path[:-3], path.replace("/unsubscribe/", "/unsubscribe/x")):
        response = Client().post(bad)
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert DigestSettings.objects.get(collection=profile).enabled
