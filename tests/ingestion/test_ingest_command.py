"""`ingest_arxiv` from the command line: progress, counts, and one clear line on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from coolpapers.ingestion.models import IngestionJob, JobStatus
from coolpapers.papers.models import Paper
from tests.conftest import ARXIV_FIXTURES, database_url

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_ingest_file_prints_counts(capsys):
    path = ARXIV_FIXTURES / "oai" / "hepcrawl_arxiv-physics-hep-th.xml"
    call_command("ingest_arxiv", str(path))
    out = capsys.readouterr()
    assert "succeeded" in out.out and "created 3, updated 0, unchanged 0, rejected 0" in out.out
    assert "100%" in out.err  # the progress bar
    assert IngestionJob.objects.get().status == JobStatus.SUCCEEDED
    call_command("ingest_arxiv", str(path))
    assert "created 0, updated 0, unchanged 3" in capsys.readouterr().out


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url()}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.django_db(transaction=True)
def test_failure_exits_non_zero_with_one_line_on_stderr(tmp_path):
    call_command(
        "ingest_arxiv", str(ARXIV_FIXTURES / "oai" / "hepcrawl_arxiv-single.xml"), verbosity=0
    )
    junk = tmp_path / "broken.xml"
    junk.write_text("<OAI-PMH><ListRecords><record>")
    done = manage("ingest_arxiv", str(junk), "--format", "oai", "-v", "0")
    assert done.returncode != 0
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and "broken.xml" in err[0] and "line 1" in err[0], done.stderr
    assert Paper.objects.count() == 1  # what was stored before is untouched
    assert IngestionJob.objects.filter(status=JobStatus.FAILED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_missing_file_and_bad_ids():
    done = manage("ingest_arxiv", "/no/such/file.xml")
    assert done.returncode != 0 and "no such file or directory" in done.stderr
    done = manage("ingest_arxiv", "api", "--ids", "2401.01234,../../etc")
    assert done.returncode != 0 and "is not an arXiv id" in done.stderr
    assert not IngestionJob.objects.exists()


def test_load_demo_only_into_an_empty_database(capsys):
    call_command("load_demo", verbosity=0)
    assert Paper.objects.count() == 2722
    call_command("load_demo")
    assert "holds 2722 papers; demo data not loaded" in capsys.readouterr().out
