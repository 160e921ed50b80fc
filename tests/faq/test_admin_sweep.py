"""Staff's view of the FAQs (list, budget, Regenerate, Delete) and beat's sweep for FAQs a
dead worker left or whose message was lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from coolpapers.faq import services
from coolpapers.faq.models import FAQ, FaqStatus
from coolpapers.llm import base, budget

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff", "s@example.org", "pw-12345678")
    client.force_login(user)
    return client


def test_the_admin_lists_faqs_with_the_days_budget_and_regenerates(staff, papers, llm) -> None:
    faq = services.request(papers[0], "en", "203.0.113.9")
    services.run_next()
    budget.record("203.0.113.9", base.Usage(0, 0))
    page = staff.get("/admin/faq/faq/")
    text = page.content.decode()
    assert page.status_code == 200
    assert papers[0].arxiv_id in text and "scripted" in text and "done" in text
    assert "Tokens today" in text and "375" in text and "203.0.113.9" in text

    detail = staff.get(f"/admin/faq/faq/{faq.pk}/change/").content.decode()
    assert '<span class="math notranslate" translate="no">' in detail
    assert "&lt;script&gt;" in detail

    response = staff.post(
        "/admin/faq/faq/", {"action": "regenerate", "_selected_action": [faq.pk]}, follow=True
    )
    assert response.status_code == 200
    faq.refresh_from_db()
    assert faq.status == FaqStatus.QUEUED and faq.markdown == "" and faq.html == ""
    assert services.run_next().status == FaqStatus.DONE
    response = staff.post(
        "/admin/faq/faq/",
        {"action": "delete_selected", "_selected_action": [faq.pk], "post": "yes"},
    )
    assert response.status_code == 302 and not FAQ.objects.exists()


def test_the_sweep_sends_stranded_and_lost_faqs(papers, llm, monkeypatch) -> None:
    sent: list[tuple] = []
    from coolpapers.faq import tasks

    monkeypatch.setattr(tasks.generate, "apply_async", lambda *a, **k: sent.append(a))
    monkeypatch.setattr(services, "llm_backlog", lambda: 0)
    waiting = services.request(papers[0], "en", "x")
    stuck = services.request(papers[1], "en", "x")
    services.claim()  # the worker takes one (today's first) ...
    assert services.resend_waiting(60) == 0  # nothing old, nobody dead
    # ... and dies: its lease lapses. The other one's message was lost long ago.
    FAQ.objects.filter(status=FaqStatus.GENERATING).update(
        lease_expires=timezone.now() - timedelta(seconds=1)
    )
    FAQ.objects.filter(status=FaqStatus.QUEUED).update(
        requested_at=timezone.now() - timedelta(minutes=5)
    )
    assert services.resend_waiting(60) == 2 and len(sent) == 2
    # With messages waiting in the llm queue, queued FAQs are not sent again.
    monkeypatch.setattr(services, "llm_backlog", lambda: 3)
    sent.clear()
    assert services.resend_waiting(60) == 1  # the stranded one only
    assert {waiting.pk, stuck.pk} == set(FAQ.objects.values_list("pk", flat=True))
