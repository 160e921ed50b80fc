"""The FAQ from request to stored answer, through the real provider client and a real HTTP
chat server: one generation per paper, version and language, today's papers first, a worker
that lost its lease stores nothing, a failure can be retried, the budget is kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from coolpapers.faq import services
from coolpapers.faq.models import FAQ, FaqStatus, Priority
from coolpapers.faq.streaming import render_answer
from coolpapers.llm import base, budget
from coolpapers.papers.models import Announcement
from tests.faq.conftest import ANSWER, Step, answer_stream

CLIENT = "203.0.113.7"
MATH = re.compile(r'<span class="math[^"]*" translate="no">(.*?)</span>', re.DOTALL)


def test_request_generate_and_serve_the_stored_answer(
    papers, llm, django_capture_on_commit_callbacks
) -> None:
    paper = papers[0]
    with django_capture_on_commit_callbacks() as sent:
        faq = services.request(paper, "en", CLIENT)
    assert faq.status == FaqStatus.QUEUED and len(sent) == 1
    assert faq.version == paper.version

    outcome = services.run_next()
    faq.refresh_from_db()
    assert outcome.status == FaqStatus.DONE and outcome.faq_id == faq.pk
    assert faq.status == FaqStatus.DONE
    assert faq.markdown == ANSWER.strip()
    assert faq.html == render_answer(ANSWER.strip())
    assert len(MATH.findall(faq.html)) == 3
    assert "<script" not in faq.html and 'href="javascript' not in faq.html
    assert (faq.prompt_tokens, faq.completion_tokens) == (321, 54)
    assert faq.model  # the model the server named
    assert faq.sources[0] == "title" and "abstract" in faq.sources
    assert faq.finished_at and faq.lease_expires is None
    assert budget.usage_today()["total_tokens"] == 375
    assert len(llm.requests) == 1
    assert paper.title.split()[0] in llm.requests[0]["messages"][1]["content"]

    # The next reader gets the row: no new message, no new generation.
    with django_capture_on_commit_callbacks() as sent:
        again = services.request(paper, "en", "198.51.100.1")
    assert again.pk == faq.pk and again.status == FaqStatus.DONE and not sent
    assert services.run_next().status == "idle"
    assert len(llm.requests) == 1
    # Another language is another FAQ.
    with django_capture_on_commit_callbacks() as sent:
        chinese = services.request(paper, "zh-hans", CLIENT)
    assert chinese.pk != faq.pk and len(sent) == 1


def test_a_row_held_by_a_worker_is_generated_once(papers, llm) -> None:
    faq = services.request(papers[0], "en", CLIENT)
    claimed = services.claim()  # worker A takes it
    assert claimed is not None and claimed[0].pk == faq.pk
    # A second copy of the task (a redelivery, the sweep) finds nothing to take.
    assert services.run_next().status == "idle"
    assert llm.requests == []
    outcome = services.generate_claimed(*claimed)
    assert outcome.status == FaqStatus.DONE and len(llm.requests) == 1
    assert FAQ.objects.get().attempts == 1


def test_a_lapsed_lease_starts_over_and_the_old_worker_stores_nothing(papers, llm) -> None:
    faq = services.request(papers[0], "en", CLIENT)
    old, old_owner = services.claim()
    services._save(old, old_owner, markdown="## What prob", html="<h2>What prob</h2>")
    # The worker dies: its lease lapses.
    FAQ.objects.filter(pk=faq.pk).update(lease_expires=timezone.now() - timedelta(seconds=1))
    assert list(services.stranded()) == [faq]
    outcome = services.run_next()
    faq.refresh_from_db()
    assert outcome.status == FaqStatus.DONE and faq.attempts == 2
    assert faq.markdown == ANSWER.strip()  # started over, not appended to the half answer
    # The old worker wakes up: whatever it tries to save is refused.
    with pytest.raises(services.LeaseLost):
        services._save(old, old_owner, markdown="half", status=FaqStatus.DONE)
    faq.refresh_from_db()
    assert faq.markdown == ANSWER.strip()


def test_todays_papers_go_first(papers, llm) -> None:
    latest = services.latest_day()
    today = Announcement.objects.filter(date=latest).values_list("paper_id", flat=True)
    old = next(p for p in papers if p.pk not in set(today))
    new = next(p for p in papers if p.pk in set(today))
    first = services.request(old, "en", CLIENT)
    second = services.request(new, "en", CLIENT)
    assert (first.priority, second.priority) == (Priority.OLDER, Priority.TODAY)
    assert services.run_next().faq_id == second.pk  # asked later, answered first
    assert services.run_next().faq_id == first.pk


def test_the_partial_answer_is_saved_while_it_streams(papers, llm, monkeypatch) -> None:
    body = answer_stream()
    llm.script(Step(body=body, pause=0.7, pause_after=len(body) // 2))
    monkeypatch.setattr(services, "SAVE_INTERVAL", 0.3)
    saved: list[dict] = []
    real = services._save

    def spy(faq, owner, **fields):
        saved.append(fields)
        return real(faq, owner, **fields)

    monkeypatch.setattr(services, "_save", spy)
    services.request(papers[0], "en", CLIENT)
    outcome = services.run_next()
    partial = [f for f in saved if "markdown" in f and "status" not in f]
    assert outcome.status == FaqStatus.DONE and outcome.saves == len(partial) >= 2
    final = set(MATH.findall(FAQ.objects.get().html))
    for fields in partial:
        assert ANSWER.startswith(fields["markdown"])
        assert set(MATH.findall(fields["html"])) <= final  # only whole formulas
        assert "lease_expires" not in fields or fields["lease_expires"]


def test_a_failure_is_stored_and_can_be_retried(papers, llm, settings) -> None:
    llm.script(Step(status=500, body=b'{"error": {"message": "boom"}}'))
    faq = services.request(papers[0], "en", CLIENT)
    assert services.run_next().status == FaqStatus.FAILED
    faq.refresh_from_db()
    assert faq.status == FaqStatus.FAILED and faq.error and faq.lease_expires is None
    assert not faq.markdown
    # A later reader sees the failure; asking again queues it again (once).
    llm.script(Step(body=answer_stream()))
    again = services.request(papers[0], "en", CLIENT)
    assert again.pk == faq.pk and again.status == FaqStatus.QUEUED and not again.error
    assert services.run_next().status == FaqStatus.DONE


def test_over_budget_or_unconfigured_nothing_is_queued(papers, llm, settings) -> None:
    settings.LLM_DAILY_TOKENS_PER_CLIENT = 100
    budget.record(CLIENT, base.Usage(80, 30))
    with pytest.raises(base.BudgetExceeded):
        services.request(papers[0], "en", CLIENT)
    assert not FAQ.objects.exists()
    services.request(papers[0], "en", "198.51.100.1")  # another client still may
    settings.LLM_API_URL = ""
    settings.LLM_BACKEND = "coolpapers.llm.openai_compat.OpenAICompatibleProvider"
    from coolpapers.llm import local

    if not local.available():
        with pytest.raises(base.ProviderUnavailable):
            services.request(papers[1], "en", CLIENT)
        assert FAQ.objects.count() == 1


def test_one_row_per_paper_version_and_language(papers) -> None:
    from django.db import IntegrityError, transaction

    paper = papers[0]
    FAQ.objects.create(paper=paper, version=paper.version, language="en")
    with pytest.raises(IntegrityError), transaction.atomic():
        FAQ.objects.create(paper=paper, version=paper.version, language="en")
    FAQ.objects.create(paper=paper, version=paper.version, language="zh-hans")
    FAQ.objects.create(paper=paper, version=paper.version + 1, language="en")


def test_an_answer_that_never_finishes_is_failed_after_its_attempts(papers, llm) -> None:
    faq = services.request(papers[0], "en", CLIENT)
    for _ in range(services.MAX_ATTEMPTS):  # each run dies: its lease lapses
        services.claim()
        FAQ.objects.filter(pk=faq.pk).update(lease_expires=timezone.now() - timedelta(seconds=1))
    assert services.run_next().status == FaqStatus.FAILED
    faq.refresh_from_db()
    assert faq.status == FaqStatus.FAILED and "attempts" in faq.error and llm.requests == []
    # A reader's Retry starts it again.
    assert services.request(papers[0], "en", CLIENT).status == FaqStatus.QUEUED
    assert services.run_next().status == FaqStatus.DONE
