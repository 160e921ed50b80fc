"""Staff's FAQ batches: the FAQs of a day's list requested ahead of readers, counted (done,
skipped, queued, dequeued), cancelled, retried, and their admin pages, on the bundled sample
of real arXiv records and a scripted OpenAI-compatible server."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from coolpapers.faq import batch, services
from coolpapers.faq.models import FAQ, FAQBatchJob, FaqStatus
from coolpapers.faq.tasks import generate
from coolpapers.jobs.status import JobStatus
from coolpapers.llm import base, budget
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.daily import day_ids
from coolpapers.papers.models import Paper

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 18)  # the sample's busiest announcement day
SPEC = "cs.CV"


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff", "s@example.org", "pw-12345678")
    client.force_login(user)
    return client


def day_papers() -> list[Paper]:
    ids = day_ids(parse_spec(SPEC), DAY)
    papers = Paper.objects.in_bulk(ids)
    return [papers[i] for i in ids]


def make_job(languages=("en",)) -> FAQBatchJob:
    return FAQBatchJob.objects.create(spec=SPEC, day=DAY, languages=list(languages))


def drain() -> int:
    """Run the worker's task (its function, in process) until nothing waits."""
    turns = 0
    while not generate().startswith("None"):
        turns += 1
    return turns


def test_a_batch_requests_each_faq_of_the_days_list_once(papers, llm) -> None:
    listed = day_papers()
    assert len(listed) >= 3  # the test needs a list worth batching
    reader_done = services.request(listed[0], "en", "203.0.113.9")
    services.run_next()
    reader_waiting = services.request(listed[1], "en", "203.0.113.9")
    job = make_job(["en", "zh-hans"])

    assert batch.run(job.pk) == "requested"
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.started_at is not None
    assert job.total == 2 * len(listed)
    assert job.skipped_count == 2  # the reader's done FAQ and the reader's queued one
    assert job.queued_count == 2 * len(listed) - 2
    assert job.done_count == 1 and job.percent == round(100 / job.total)
    assert FAQ.objects.filter(paper__in=listed).count() == 2 * len(listed)
    assert FAQ.objects.filter(batch=job).count() == job.queued_count
    reader_waiting.refresh_from_db()
    assert reader_waiting.batch_id is None and reader_done.pk in {f.pk for f in job.faqs.all()}

    assert drain() == 2 * len(listed) - 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.finished_at is not None
    assert (job.done_count, job.failed_count, job.percent) == (job.total, 0, 100)
    # The batch has no client address: its tokens count in the day's total only.
    assert budget.usage_today()["clients"] == 1

    again = make_job(["en", "zh-hans"])
    assert batch.run(again.pk) == "requested"
    again.refresh_from_db()
    assert (again.skipped_count, again.queued_count) == (again.total, 0)
    assert again.status == JobStatus.SUCCEEDED and again.percent == 100
    assert len(llm.requests) == 2 * len(listed)  # nothing was generated twice


def test_a_duplicate_message_does_nothing(papers, llm) -> None:
    job = make_job()
    assert batch.run(job.pk) == "requested"
    count = FAQ.objects.count()
    assert batch.run(job.pk) == "not queued"
    assert FAQ.objects.count() == count


def test_cancel_dequeues_the_batchs_waiting_rows_not_readers(papers, llm) -> None:
    listed = day_papers()
    job = make_job()
    batch.run(job.pk)
    services.run_next()  # one is written
    # A reader asks for one the batch queued: it is the reader's now, and stays.
    kept = services.request(listed[-1], "en", "203.0.113.9")
    readers_own = services.request(
        Paper.objects.exclude(pk__in=[p.pk for p in listed]).first(), "en", "203.0.113.9"
    )
    job.refresh_from_db()
    dequeued = batch.cancel(job)

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.finished_at is not None
    assert dequeued == len(listed) - 2 == job.dequeued_count
    assert job.done_count == 1
    assert set(FAQ.objects.values_list("pk", flat=True)) >= {kept.pk, readers_own.pk}
    assert not FAQ.objects.filter(batch=job, status=FaqStatus.QUEUED).exists()
    with pytest.raises(batch.JobStateError):
        batch.cancel(job)


def test_a_cancel_during_the_requests_stops_them(papers, llm, monkeypatch) -> None:
    job = make_job()
    real = batch._request_one
    calls = []

    def request_then_cancel(job, paper, language):
        real(job, paper, language)
        calls.append(paper)
        if len(calls) == 2:  # staff press Cancel while the task is at the third paper
            batch.cancel(FAQBatchJob.objects.get(pk=job.pk))

    monkeypatch.setattr(batch, "_request_one", request_then_cancel)
    assert batch.run(job.pk) == "cancelled"
    job.refresh_from_db()
    assert len(calls) == 2 and job.status == JobStatus.CANCELLED
    assert job.queued_count == 2 == job.dequeued_count
    assert not FAQ.objects.exists()


def test_a_spent_budget_fails_the_batch_and_dequeues(papers, llm, settings) -> None:
    settings.LLM_DAILY_TOKENS = 1
    budget.record("", base.Usage(1, 0))
    job = make_job()
    assert batch.run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "budget" in job.error.lower()
    assert not FAQ.objects.exists()


def test_staff_start_watch_cancel_and_retry_in_the_admin(
    staff, papers, llm, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    sent: list[int] = []
    monkeypatch.setattr("coolpapers.faq.tasks.run_batch.delay", sent.append)
    form = staff.get("/admin/faq/faqbatchjob/add/")
    assert form.status_code == 200
    assert f'value="{services.latest_day():%Y-%m-%d}"' in form.content.decode()

    bad = staff.post(
        "/admin/faq/faqbatchjob/add/", {"spec": "cs.NOPE", "day": "2025-03-18", "languages": "en"}
    )
    assert bad.status_code == 200 and "cs.NOPE" in bad.content.decode()
    assert not FAQBatchJob.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/admin/faq/faqbatchjob/add/",
            {"spec": " cs.CV ", "day": "2025-03-18", "languages": ["en", "zh-hans"]},
        )
    assert response.status_code == 302
    job = FAQBatchJob.objects.get()
    assert (job.spec, job.day, job.languages) == ("cs.CV", DAY, ["en", "zh-hans"])
    assert job.created_by.username == "staff" and sent == [job.pk]

    batch.run(job.pk)
    generate()
    job.refresh_from_db()
    listing = staff.get("/admin/faq/faqbatchjob/").content.decode()
    assert "cs.CV on 2025-03-18 (en, zh-hans)" in listing and "hx-get" in listing
    assert "Tokens today" in listing
    assert f"1 of {job.total} FAQs" in listing and "Tokens today" in listing
    page = staff.get(f"/admin/faq/faqbatchjob/{job.pk}/change/").content.decode()
    assert "Cancel job" in page and f'value="{job.percent}"' in page
    assert "English, 简体中文" in page
    poll = staff.get(f"/admin/faq/faqbatchjob/{job.pk}/progress/?seen=running")
    assert poll.status_code == 200 and "queued" in poll.content.decode()

    response = staff.post(f"/admin/faq/faqbatchjob/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.dequeued_count == job.queued_count - 1
    page = staff.get(f"/admin/faq/faqbatchjob/{job.pk}/change/").content.decode()
    assert "Retry" in page and "Cancel job" not in page

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/admin/faq/faqbatchjob/{job.pk}/retry/")
    assert sent == [job.pk, job.pk]
    assert batch.run(job.pk) == "requested"
    job.refresh_from_db()
    assert job.skipped_count == 1 and job.queued_count == job.total - 1
