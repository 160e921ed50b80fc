"""The admin's ingestion job pages in Chromium, under the site's strict CSP: the list and the job
page update in place (htmx, no navigation), Cancel shows "cancelling" until the worker (the real
pipeline, in a thread here) stops and confirms, the add form shows only the chosen kind's
fields, no column leaves the screen at 1366 px or 390 px, and axe finds nothing serious."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coolpapers.ingestion import tasks
from coolpapers.ingestion.jobs import run_job
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.jobs.status import JobStatus
from tests.axe import _source, violations
from tests.conftest import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_PATH = "/srv/imports/kaggle/" + "arxiv-metadata-oai-snapshot-full-dump/" * 4 + "all.json.gz"


@pytest.fixture
def staff_page(page, live_server, django_user_model):
    """The test's page signed in as a superuser (a session cookie: the login page itself is
    not part of what is tested), at 1366 x 900."""
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "x")
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    return page


def running(**fields) -> IngestionJob:
    return IngestionJob.objects.create(
        kind=JobKind.FILE,
        params={"path": LONG_PATH, "format": "kaggle"},
        status=JobStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=3),
        lease_expires=timezone.now() + timedelta(minutes=5),
        **fields,
    )


def some_jobs() -> IngestionJob:
    """A list like a tester's: a long source path running, and one of each other state."""
    for status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.QUEUED):
        IngestionJob.objects.create(
            kind=JobKind.OAI,
            params={"set": "physics:hep-th", "from": "2026-11-01", "until": "2026-11-30"},
            status=status,
            created_count=1200,
            error="oai: badResumptionToken" if status == JobStatus.FAILED else "",
        )
    return running(created_count=12345, updated_count=678, rejected_count=3, progress=0.37)


def audit(page) -> list[str]:
    """tests.axe.violations without axe's CSSOM preload: on the admin's form pages it
    re-creates forms.css's @import (widgets.css) as a <style> element, which the strict CSP
    blocks and the page fixture counts as an error of the page. Only css-orientation-lock
    reads that CSSOM."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_source())
        page.evaluate(
            """() => {
              const run = axe.run.bind(axe);
              axe.run = (context, options) => run(context, {...options, preload: false});
            }"""
        )
    return violations(page)


def dark(page) -> None:
    """The admin's dark theme (it follows the system), the page loaded again in it."""
    page.emulate_media(color_scheme="dark")
    page.reload()


def fits(page, selector: str) -> bool:
    """Whether the element (and the document) needs no sideways scrolling."""
    return page.evaluate(
        """(selector) => {
          const box = document.querySelector(selector);
          const doc = document.documentElement;
          return box.scrollWidth <= box.clientWidth && doc.scrollWidth <= window.innerWidth;
        }""",
        selector,
    )


def test_the_list_updates_in_place_and_fits_1366_and_390(staff_page, live_server):
    page = staff_page
    job = some_jobs()
    page.goto(live_server.url + reverse("admin:ingestion_ingestionjob_changelist"))
    assert page.locator("#nav-sidebar").is_visible()  # the admin's sidebar open: the narrow case
    page.evaluate("() => { window.notReloaded = true; }")

    IngestionJob.objects.filter(pk=job.pk).update(created_count=20000, progress=0.61)
    counts = page.locator(f"#ingestionjob-{job.pk}-counts")
    counts.get_by_text("20,000").wait_for(timeout=10_000)
    assert page.locator(f"#ingestionjob-{job.pk}-progress").inner_text().startswith("61%")
    assert page.evaluate("() => window.notReloaded === true")  # no navigation, no reload

    # Nothing off-screen at 1366 px: every column inside the list, the source cut with "…".
    assert fits(page, "#changelist .results")
    header = page.locator("#result_list thead th").last.bounding_box()
    assert header["x"] + header["width"] <= 1366
    source = (
        page.locator(f"#ingestionjob-{job.pk}-counts").locator("xpath=../..").locator(".job-source")
    )
    assert source.get_attribute("title") == job.describe_source()
    assert source.evaluate("(el) => el.scrollWidth > el.clientWidth")  # ellipsised
    assert audit(page) == []
    dark(page)
    assert audit(page) == []

    # The job finishes (and staff cancel the queued one): rows say so, the polling stops.
    IngestionJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=1.0)
    IngestionJob.objects.filter(status=JobStatus.QUEUED).update(status=JobStatus.CANCELLED)
    page.locator(f"#ingestionjob-{job.pk}-status").get_by_text("Succeeded").wait_for()
    page.wait_for_function("() => !document.querySelector('#job-poll').hasAttribute('hx-get')")
    assert "succeeded" in page.locator("#ingestionjob-announce").inner_text()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert fits(page, "#changelist .results")
    assert page.locator(f"#ingestionjob-{job.pk}-progress").is_visible()
    # Loaded again in the light theme: the admin's links fade between colours (a 0.15 s CSS
    # transition), which axe would catch half-way on a busy machine.
    page.emulate_media(color_scheme="light")
    page.reload()
    assert audit(page) == []


def test_cancel_shows_cancelling_until_the_worker_stops_then_cancelled(staff_page, live_server):
    page = staff_page
    job = IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(SAMPLE)})
    first_batch, go_on = threading.Event(), threading.Event()
    outcome: list[IngestionJob] = []

    def hold_after_each_batch(_job: IngestionJob) -> None:
        first_batch.set()
        assert go_on.wait(60)

    def worker() -> None:
        try:
            outcome.append(run_job(job.pk, batch_size=5, on_progress=hold_after_each_batch))
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert first_batch.wait(60)
        page.goto(live_server.url + reverse("admin:ingestion_ingestionjob_change", args=[job.pk]))
        state = page.locator(f"#ingestionjob-{job.pk}-state")
        assert "Running" in state.inner_text() and "5 created" in state.inner_text()
        assert page.get_by_role("button", name="Retry from the start").count() == 0

        page.get_by_role("button", name="Cancel job").focus()
        page.keyboard.press("Enter")  # keyboard usable: a plain form button
        page.wait_for_load_state()
        assert "is cancelling" in page.locator(".messagelist").inner_text()
        assert "Cancelling" in state.inner_text() and "5 created" in state.inner_text()
        assert page.get_by_role("button", name="Cancel job").count() == 0
        assert audit(page) == []
        page.evaluate("() => { window.notReloaded = true; }")

        go_on.set()  # the worker reads its next batch, finds the request, stores nothing
        state.get_by_text("Cancelled").wait_for(timeout=15_000)
        assert "5 created" in state.inner_text()
        page.get_by_role("button", name="Retry from the start").wait_for()
        assert page.evaluate("() => window.notReloaded === true")
        assert f"Job #{job.pk} cancelled." in page.locator("#ingestionjob-announce").inner_text()
        assert audit(page) == []
        dark(page)
        assert audit(page) == []
    finally:
        go_on.set()
        thread.join(60)
    assert outcome and outcome[0].status == JobStatus.CANCELLED
    job.refresh_from_db()
    assert (job.status, job.created_count) == (JobStatus.CANCELLED, 5)


def test_the_add_form_shows_only_the_chosen_kind_s_fields(staff_page, live_server, monkeypatch):
    page = staff_page
    sent: list[list] = []

    class Result:
        id = "task-1"

    monkeypatch.setattr(
        tasks.run_ingestion_job, "apply_async", lambda args, **kw: sent.append(args) or Result()
    )
    page.goto(live_server.url + reverse("admin:ingestion_ingestionjob_add"))
    kind = page.locator("#id_kind")
    assert not page.locator("#id_path").is_visible()  # no kind chosen yet: no source fields

    kind.select_option(JobKind.OAI)
    assert page.locator("#id_set_spec").is_visible() and page.locator("#id_until").is_visible()
    assert not page.locator("#id_path").is_visible() and not page.locator("#id_ids").is_visible()
    page.locator("#id_set_spec").fill("cs")  # then the staff member changes their mind
    assert audit(page) == []

    kind.select_option(JobKind.FILE)
    assert page.locator("#id_path").is_visible() and page.locator("#id_format").is_visible()
    assert not page.locator("#id_set_spec").is_visible()
    assert not page.get_by_role("heading", name="OAI-PMH harvest").is_visible()
    assert page.get_by_role("heading", name="arXiv API").is_hidden()

    kind.select_option(JobKind.TODAY)
    assert page.locator("fieldset:visible .form-row:visible").count() == 1  # the kind alone

    kind.select_option(JobKind.FILE)
    page.locator("#id_path").fill(str(SAMPLE))
    page.get_by_role("button", name="Save", exact=True).click()
    # (The fixture's CSP route follows the redirect itself: the address stays add/.)
    page.locator(".messagelist").get_by_text("was added successfully").wait_for()
    job = IngestionJob.objects.get()  # the hidden OAI set was not sent: no refusal
    assert job.params == {"path": str(SAMPLE), "format": "auto"} and sent == [[job.pk]]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("admin:ingestion_ingestionjob_add"))
    kind.select_option(JobKind.API_QUERY)
    assert page.locator("#id_query").is_visible() and fits(page, "#content")
