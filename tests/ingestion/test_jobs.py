"""Ingestion jobs run end to end on real fixtures: counts, checkpoints, failures, cancel, resume."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from django.db import connection

from coolpapers.ingestion import jobs
from coolpapers.ingestion.arxiv_client import ArxivClient, TransientError
from coolpapers.ingestion.control import cancel_job
from coolpapers.ingestion.jobs import run_job
from coolpapers.ingestion.models import IngestionJob, JobKind, JobStatus
from coolpapers.papers.arxiv_ids import parse_arxiv_id
from coolpapers.papers.models import Announcement, Archive, Category, Paper
from tests.conftest import ARXIV_FIXTURES, Reply
from tests.ingestion.db_refusal import REASON, refuse_paper

pytestmark = pytest.mark.django_db

CORPUS = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"
OAI = ARXIV_FIXTURES / "oai"


def corpus_lines() -> list[str]:
    return CORPUS.read_text().splitlines()


def file_job(path: Path, fmt: str = "auto") -> IngestionJob:
    return IngestionJob.objects.create(kind=JobKind.FILE, params={"path": str(path), "format": fmt})


def quiet_client() -> ArxivClient:
    return ArxivClient(interval=0, max_retries=1, sleep=lambda seconds: None)


def test_file_job_counts_and_is_idempotent():
    n = len(corpus_lines())
    job = run_job(file_job(CORPUS).pk, batch_size=7)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.created_count, job.updated_count, job.rejected_count) == (n, 0, 0)
    assert job.percent == 100 and job.started_at and job.finished_at
    assert Paper.objects.count() == n
    again = run_job(file_job(CORPUS).pk)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, n)
    assert Paper.objects.count() == n


def test_gzip_and_directory_of_mixed_formats(tmp_path):
    with gzip.open(tmp_path / "corpus.jsonl.gz", "wb") as out:
        out.write(CORPUS.read_bytes())
    shutil.copy(OAI / "hepcrawl_arxiv-physics-hep-ex.xml", tmp_path / "hep-ex.xml")
    shutil.copy(ARXIV_FIXTURES / "rss" / "laya-reader_arxiv_rss.xml", tmp_path / "feed.xml")
    job = run_job(file_job(tmp_path).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Paper.objects.filter(pk="1706.05371").exists()  # from the OAI page
    assert Paper.objects.filter(pk="2609.26811").exists()  # from the RSS feed
    assert job.created_count == len(corpus_lines()) + 3 + 4


def test_bad_records_are_rejected_and_the_rest_goes_on(tmp_path):
    lines = corpus_lines()
    bad = tmp_path / "mixed.jsonl"
    bad.write_text("\n".join([lines[0], '{"id": "2503.99999", "title": ', lines[1]]) + "\n")
    job = run_job(file_job(bad).pk)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert "rejected 2503.99999: invalid JSON" in job.log


def hostile_corpus(tmp_path: Path, **fields: object) -> tuple[Path, str]:
    """Three real corpus lines, the second with `fields` changed; returns the file and its id."""
    lines = corpus_lines()[:3]
    middle = {**json.loads(lines[1]), **fields}
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join([lines[0], json.dumps(middle), lines[2]]) + "\n")
    return path, parse_arxiv_id(json.loads(lines[1])["id"]).id


def test_a_nul_in_an_author_name_is_dropped_and_the_whole_batch_stored(tmp_path):
    path, ident = hostile_corpus(tmp_path, authors=["Nul\x00Author", "Bell\x07 Roe"])
    job = run_job(file_job(path).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.created_count, job.rejected_count) == (3, 0)
    assert Paper.objects.get(pk=ident).authors == ["NulAuthor", "Bell Roe"]


def test_a_rejected_id_with_a_nul_is_logged_without_it(tmp_path):
    path, _ = hostile_corpus(tmp_path, id="2503.9\x00zzzz")
    job = run_job(file_job(path).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert "rejected 2503.9zzzz: " in job.log and "\x00" not in job.log


def test_unknown_categories_reject_their_record_and_create_nothing(tmp_path):
    path, ident = hostile_corpus(tmp_path, categories=["cs.FAKE", "made.up"], primary_category=None)
    job = run_job(file_job(path).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert f"rejected {ident}: 'cs.FAKE' is not an arXiv category" in job.log
    assert not Paper.objects.filter(pk=ident).exists()
    assert not Category.objects.filter(code__in=["cs.FAKE", "made.up"]).exists()
    assert not Archive.objects.filter(code="made").exists()


def test_a_record_the_database_refuses_is_rejected_and_the_batch_stored(tmp_path):
    path, ident = hostile_corpus(tmp_path)
    refuse_paper(ident)
    job = run_job(file_job(path).pk, batch_size=10)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert f"rejected {ident}: " in job.log and REASON in job.log
    assert job.checkpoint == {"file": 1, "record": 0}
    assert Paper.objects.count() == 2


def test_file_that_is_not_json_fails_the_job_and_stores_nothing(tmp_path):
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00 not a corpus")
    job = run_job(file_job(junk, "jsonl").pk)
    assert job.status == JobStatus.FAILED
    assert "junk.jsonl" in job.error and "line 1" in job.error
    assert Paper.objects.count() == 0


def test_truncated_xml_fails_with_position_and_keeps_stored_papers(tmp_path):
    run_job(file_job(CORPUS).pk)
    before = Paper.objects.count()
    data = (OAI / "hepcrawl_arxiv-physics-hep-ex.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: len(data) // 2])
    job = run_job(file_job(cut, "oai").pk)
    assert job.status == JobStatus.FAILED
    assert "cut.xml" in job.error and "line" in job.error
    assert Paper.objects.count() == before


def test_cancel_stops_after_the_current_batch_and_resume_finishes(tmp_path):
    n = len(corpus_lines())
    job = file_job(CORPUS)
    seen: list[str] = []

    def cancel_after_first_batch(j: IngestionJob) -> None:
        seen.append(cancel_job(IngestionJob.objects.get(pk=j.pk)))

    job = run_job(job.pk, batch_size=5, on_progress=cancel_after_first_batch)
    assert seen == [JobStatus.CANCELLING]  # until the worker confirms
    assert job.status == JobStatus.CANCELLED and job.finished_at
    assert job.created_count == 5 and job.checkpoint == {"file": 0, "record": 5}
    assert Paper.objects.count() == 5
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.lease_expires is None

    IngestionJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, cancel_requested=False)
    job = run_job(job.pk, batch_size=5)
    assert job.status == JobStatus.SUCCEEDED
    assert job.created_count == n and job.unchanged_count == 0
    assert Paper.objects.count() == n


def test_interrupted_oai_harvest_resumes_from_its_token(fixture_server, settings):
    settings.ARXIV_OAI_URL = f"{fixture_server.url}/oai2"
    page1 = (OAI / "litpuvn_ListRecords_arXivRaw.xml").read_bytes()
    page2 = (OAI / "hepcrawl_arxiv-physics-hep-ex.xml").read_bytes()
    fixture_server.add("/oai2", Reply(200, page1), metadataPrefix="arXivRaw")
    fixture_server.add("/oai2", Reply(500, b"overloaded"), resumptionToken="1403493|1001")
    job = IngestionJob.objects.create(
        kind=JobKind.OAI, params={"from": "2016-10-20", "metadata_prefix": "arXivRaw"}
    )
    with pytest.raises(TransientError):
        run_job(job.pk, client=quiet_client())
    job.refresh_from_db()
    assert job.checkpoint["token"] == "1403493|1001"
    first_page = job.created_count
    assert first_page > 300 and Paper.objects.count() == first_page

    fixture_server.requests.clear()
    fixture_server.add("/oai2", Reply(200, page2), resumptionToken="1403493|1001")
    job = run_job(job.pk, client=quiet_client())
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert [r.params for r in fixture_server.requests] == [
        {"verb": "ListRecords", "resumptionToken": "1403493|1001"}
    ]
    assert job.created_count == first_page + 3
    assert Paper.objects.count() == first_page + 3


def test_oai_error_response_fails_the_job_with_its_code(fixture_server, settings):
    settings.ARXIV_OAI_URL = f"{fixture_server.url}/oai2"
    body = (OAI / "mikesaelim_ErrorResponseBadArgument.xml").read_bytes()
    fixture_server.add("/oai2", Reply(200, body))
    job = IngestionJob.objects.create(kind=JobKind.OAI, params={"set": "cs"})
    job = run_job(job.pk, client=quiet_client())
    assert job.status == JobStatus.FAILED and "badArgument" in job.error


def test_api_ids_job_reports_ids_arxiv_does_not_have(fixture_server, settings):
    settings.ARXIV_API_URL = f"{fixture_server.url}/api/query"
    bodies = ARXIV_FIXTURES / "api" / "arxiv.py_2026_bodies"
    fixture_server.add(
        "/api/query",
        Reply(200, (bodies / "id_1605.08386_s0_m100_199195aa31ad.xml").read_bytes()),
    )
    job = IngestionJob.objects.create(
        kind=JobKind.API_IDS, params={"ids": ["1605.08386", "2501.99999"]}
    )
    job = run_job(job.pk, client=quiet_client())
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.created_count == 1 and job.rejected_count == 1
    assert "2501.99999: not found on arXiv" in job.log
    assert fixture_server.requests[0].params["id_list"] == "1605.08386,2501.99999"


def test_today_job_sets_announcements_from_the_feed(fixture_server, settings):
    settings.ARXIV_RSS_URL = f"{fixture_server.url}/rss/"
    settings.ARXIV_API_URL = f"{fixture_server.url}/api/query"
    feed = (ARXIV_FIXTURES / "rss" / "laya-reader_arxiv_rss.xml").read_bytes()
    fixture_server.add("/rss/cs.LG+cs.AI", Reply(200, feed))
    # arXiv's API knows none of these future ids in our fixtures: an empty but valid feed.
    empty = (
        ARXIV_FIXTURES / "api" / "arxiv.py_2026_bodies" / "id_0000.0000_s0_m100_8b51d9633a68.xml"
    )
    fixture_server.add("/api/query", Reply(200, empty.read_bytes()))
    job = IngestionJob.objects.create(kind=JobKind.TODAY, params={"categories": ["cs.LG", "cs.AI"]})
    job = run_job(job.pk, client=quiet_client())
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.created_count == 4
    kinds = set(Announcement.objects.values_list("kind", flat=True))
    assert kinds >= {"new"} and len(kinds) >= 2


def test_a_job_runs_on_one_worker_at_a_time(settings):
    from datetime import timedelta

    from django.utils import timezone

    from coolpapers.ingestion.jobs import JobBusy

    job = file_job(CORPUS)
    IngestionJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, lease_expires=timezone.now() + timedelta(seconds=60)
    )
    with pytest.raises(JobBusy):
        run_job(job.pk)
    assert Paper.objects.count() == 0
    # Once the lease has lapsed (its worker died), the job is taken over and finishes.
    IngestionJob.objects.filter(pk=job.pk).update(
        lease_expires=timezone.now() - timedelta(seconds=1)
    )
    assert run_job(job.pk).status == JobStatus.SUCCEEDED
    assert IngestionJob.objects.get(pk=job.pk).lease_expires is None


def _estimated_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner statistics")
def test_a_large_load_refreshes_the_planner_statistics(monkeypatch):
    """Without ANALYZE a freshly loaded table keeps the planner's guess, and lookups of a page's
    papers become sequential scans (130 ms at a million papers)."""
    n = len(corpus_lines())
    monkeypatch.setattr(jobs, "ANALYZE_AFTER", n + 1)
    run_job(file_job(CORPUS).pk)
    small = _estimated_rows(Paper)
    assert small != n  # below the threshold: left to autovacuum
    Paper.objects.all().delete()
    monkeypatch.setattr(jobs, "ANALYZE_AFTER", n)
    job = run_job(file_job(CORPUS).pk)
    assert job.status == JobStatus.SUCCEEDED
    assert _estimated_rows(Paper) == n
    assert _estimated_rows(Announcement) == Announcement.objects.count()


def test_a_cancel_that_lands_while_a_batch_is_read_stores_no_more_batches(monkeypatch):
    """Issue 16: 2,000 records went in after "cancelled". The request is read in the batch's
    own transaction: a batch read before the cancel and stored after it is not stored."""
    job = file_job(CORPUS)
    stored: list[int] = []
    real_upsert = jobs.upsert_records

    def upsert(records):
        stored.append(len(records))
        return real_upsert(records)

    monkeypatch.setattr(jobs, "upsert_records", upsert)
    batches = jobs._batches

    def cancel_while_reading(job, client, size):
        for number, batch in enumerate(batches(job, client, size)):
            if number == 2:  # read after two batches stored: staff press Cancel now
                cancel_job(IngestionJob.objects.get(pk=job.pk))
            yield batch

    monkeypatch.setattr(jobs, "_batches", cancel_while_reading)
    job = run_job(job.pk, batch_size=3)
    assert job.status == JobStatus.CANCELLED
    assert stored == [3, 3] and job.created_count == Paper.objects.count() == 6
    assert job.checkpoint == {"file": 0, "record": 6}  # a resume reads the third batch again


def test_a_redelivered_task_leaves_a_cancelling_job_to_its_worker():
    """While the worker that is cancelling the job lives (its lease), a second copy of the
    task waits; once the lease lapsed (the worker died), the copy confirms the cancel."""
    from datetime import timedelta

    from django.utils import timezone

    job = file_job(CORPUS)
    IngestionJob.objects.filter(pk=job.pk).update(
        status=JobStatus.CANCELLING,
        cancel_requested=True,
        lease_expires=timezone.now() + timedelta(seconds=60),
    )
    with pytest.raises(jobs.JobBusy):
        run_job(job.pk)
    IngestionJob.objects.filter(pk=job.pk).update(
        lease_expires=timezone.now() - timedelta(seconds=1)
    )
    done = run_job(job.pk)
    assert done.status == JobStatus.CANCELLED and done.created_count == 0
    assert Paper.objects.count() == 0


def test_a_job_cancelled_during_a_transient_error_is_not_retried(monkeypatch):
    from coolpapers.ingestion import tasks

    job = file_job(CORPUS)
    IngestionJob.objects.filter(pk=job.pk).update(
        status=JobStatus.CANCELLING, cancel_requested=True
    )

    def fail(job_id):
        raise TransientError("503 from arXiv")

    monkeypatch.setattr(tasks, "run_job", fail)
    retries: list[object] = []
    monkeypatch.setattr(tasks.run_ingestion_job, "retry", lambda **kw: retries.append(kw))
    assert tasks.run_ingestion_job.apply(args=[job.pk]).get() == JobStatus.CANCELLED
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.finished_at and retries == []
