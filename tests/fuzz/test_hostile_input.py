"""Hostile input through the site's endpoints: files uploaded as admin ingestion jobs, and
query strings, paths and form fields sent to the public pages and the API. Each gets a clear
error (a failed job naming the problem, a rejected record with its reason, a 4xx) and nothing
of it is stored. The readers themselves are tested on the same inputs in
tests/ingestion/readers; this is the way in from outside.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from coolpapers.browse.models import Star
from coolpapers.browse.stars import BROWSER_COOKIE
from coolpapers.ingestion import tasks
from coolpapers.ingestion.jobs import run_job
from coolpapers.ingestion.models import IngestionJob, JobStatus
from coolpapers.papers.models import Paper
from tests.conftest import SAMPLE

GOOD = json.loads(SAMPLE.read_text().splitlines()[0])
OAI = b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header><identifier>oai:arXiv.org:2401.00001</identifier></header><metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2401.00001</id><title>TITLE</title></arXiv></metadata></record></ListRecords></OAI-PMH>\n'


def record(**fields: object) -> bytes:
    return (json.dumps({**GOOD, **fields}) + "\n").encode()


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
    )
    + b"]>\n"
    + OAI.replace(b"TITLE", b"&j;")
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    + OAI.replace(b"TITLE", b"&x;")
)

# name, content, format, what the failed job's error names
FAILING_FILES = [
    ("laughs.xml", LAUGHS, "auto", "DTDForbidden"),
    ("xxe.xml", XXE, "auto", "DTDForbidden"),
    ("invalid-utf8.jsonl", record(id="2401.00002").replace(b"Simulation", b"\xff\xfe"), "auto", "invalid UTF-8"),
    ("nested.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", "jsonl", "line 1"),
    ("garbage.jsonl", b"\x00\x01\x02" * 1000, "auto", "unknown format"),
]  # fmt: skip
# name, a hostile record after a good one, the reason it is rejected for
REJECTED_RECORDS = [
    ("oversized.jsonl", record(id="2401.00003", abstract="word " * 5000), "(at most 20000)"),
    ("invalid-utf8.jsonl", b'{"id": "2401.00004", "title": "\xff"}\n', "invalid UTF-8"),
    ("nested.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", "line 2"),
    ("path-ids.jsonl", record(id="../../etc/passwd") + record(id="hep-th/../../x"), "is not an arXiv id"),
    ("surrogate.jsonl", record(id="2401.00005", title="@").replace(b'"@"', b'"\\ud800"'), "unpaired surrogate"),
    ("fake-category.jsonl", record(id="2401.00006", categories=["cs.FAKE", "made.up"], primary_category=None), "is not an arXiv category"),
]  # fmt: skip


@pytest.fixture
def staff(admin_client, monkeypatch, settings, tmp_path):
    """Staff in the admin; the job's task is run here instead of on a broker."""
    settings.MEDIA_ROOT = tmp_path / "media"

    class Sent:
        id = "task"

    monkeypatch.setattr(tasks.run_ingestion_job, "apply_async", lambda args, **kw: Sent())
    return admin_client


def upload(client: Client, name: str, content: bytes, fmt: str = "auto") -> IngestionJob:
    response = client.post(
        reverse("admin:ingestion_ingestionjob_add"),
        {
            "kind": "upload",
            "upload": SimpleUploadedFile(name, content),
            "format": fmt,
            "metadata_prefix": "arXiv",
            "max_results": 1000,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = IngestionJob.objects.latest("pk")
    return run_job(job.pk)


@pytest.mark.parametrize(("name", "content", "fmt", "reason"), FAILING_FILES)
def test_a_hostile_upload_fails_its_job_naming_the_problem(staff, name, content, fmt, reason):
    job = upload(staff, name, content, fmt)

    assert job.status == JobStatus.FAILED
    assert reason in job.error and name in job.error
    assert "root:" not in job.error + job.log  # no file of the server read into a message
    assert not Paper.objects.exists()


@pytest.mark.parametrize(("name", "content", "reason"), REJECTED_RECORDS)
def test_hostile_records_are_rejected_and_the_rest_goes_on(staff, name, content, reason):
    job = upload(staff, name, record() + content, "jsonl")

    assert job.status == JobStatus.SUCCEEDED
    assert job.created_count == 1 and job.rejected_count >= 1
    assert reason in job.log
    assert list(Paper.objects.values_list("pk", flat=True)) == [GOOD["id"]]


def test_control_characters_are_dropped_before_storing(staff):
    hostile = record(
        id="2401.00004",
        title="Bell\x07 nul\x00 \x1b[31mred",
        authors=["Nul\x00Author", "C1\x9f Roe"],
        categories=["cs.CV\x00"],
        primary_category=None,
        comment="12\x00 pages\x85",
    )
    job = upload(staff, "control.jsonl", record() + hostile)

    assert job.status == JobStatus.SUCCEEDED and job.created_count == 2, job.log
    paper = Paper.objects.get(pk="2401.00004")
    assert paper.title == "Bell nul [31mred"
    assert paper.authors == ["NulAuthor", "C1 Roe"] and paper.category_codes == ["cs.CV"]
    assert paper.comments == "12 pages"
    feed = Client().get("/arxiv/cs.CV/feed")
    assert feed.status_code == 200 and b"NulAuthor, C1 Roe" in feed.content


def test_an_upload_name_cannot_leave_the_upload_directory(staff, settings):
    job = upload(staff, "../../../etc/cron.d/evil.jsonl", record(id="2401.00008"))

    stored = Path(job.upload.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "uploads")
    assert stored.name == "evil.jsonl"


# --- requests to the public pages and the API ---------------------------------------------

HOSTILE_GETS = [
    "/arxiv/search?q=%FF%FE%FD",  # not UTF-8
    "/arxiv/search?q=a%00b",
    "/arxiv/search?q=" + "x" * 20_000,
    "/arxiv/search?q=vision&page=" + "9" * 400,
    "/arxiv/search?q=vision&from=%00",
    "/arxiv/search/chunk?q=vision&page=-1",
    "/arxiv/search/feed?q=" + "(" * 300,
    "/api/search?q=%FF",
    "/api/search?q=vision&page_size=" + "9" * 400,
    "/api/search?q=vision&category=" + "cs.AI," * 500,
    "/api/papers/?date=%00&category=%FF",
    "/api/papers/..%2F..%2Fetc%2Fpasswd",
    "/api/papers/%2e%2e/%2e%2e/etc/passwd",
    "/api/papers/hep-th%2F..%2F..%2Fx",
    "/api/papers/%00",
    "/arxiv/..%2F..%2Fetc%2Fpasswd",
    "/arxiv/hep-th%2F9901001%2F..%2F..",
    "/arxiv/2401.01234%00/bibtex",
    "/arxiv/cs.AI%00",
    "/arxiv/" + "cs.AI," * 500,
    "/arxiv/cs.CV?date=%FF&page=%00",
]


@pytest.mark.parametrize("path", HOSTILE_GETS)
def test_hostile_requests_are_4xx_not_5xx(client, index, path):
    response = client.get(path)

    assert 400 <= response.status_code < 500, (path, response.status_code)


def test_markup_in_a_query_is_shown_escaped(client, index):
    response = client.get("/arxiv/search", {"q": '"<script>alert(1)</script>'})

    assert response.status_code == 400
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)" in response.content


@pytest.mark.parametrize(
    "browser_id", ["", "\x00" * 20, "x" * 10_000, "../../etc/passwd", "<b>idididididididid</b>"]
)
def test_hostile_star_clicks_are_refused_and_not_stored(papers, browser_id):
    """The browser id is the server's signed cookie: a forged cookie is refused, and an id in
    the body (what browse.js sent before) is not read at all."""
    client = Client(enforce_csrf_checks=True)
    paper = Paper.objects.order_by("pk").first().pk
    token = client.get("/csrf").json()["token"]  # as browse.js gets it
    client.cookies[BROWSER_COOKIE] = browser_id
    response = client.post(f"/arxiv/{paper}/star", {"browser": browser_id}, HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 403
    assert not Star.objects.exists()


def test_a_deeply_nested_json_body_is_refused(client, index):
    body = "[" * 100_000 + "]" * 100_000
    for path in ("/api/search?q=vision", "/api/papers/", "/api/categories/"):
        response = client.post(path, body, content_type="application/json")
        assert response.status_code in (403, 405), path
