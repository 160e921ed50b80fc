"""The upsert pipeline: idempotent, merging, keeping version history, never erasing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from django.db import OperationalError, connection

from coolpapers.ingestion.pipeline import upsert_records
from coolpapers.ingestion.readers.common import build_record
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, VersionRecord
from coolpapers.papers.models import Announcement, Category, Paper, PaperCategory, Version
from tests.ingestion.db_refusal import REASON, refuse_paper

pytestmark = pytest.mark.django_db

# 1706.05371 as arXiv's OAI-PMH served it (hepcrawl fixture), reduced to what matters here.
BASE = dict(
    raw_id="1706.05371",
    title="Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid\n  Xenon Detectors",
    abstract="Silicon photomultipliers (SiPMs) are potential solid-state alternatives to traditional photomultiplier tubes (PMTs) for single-photon detection.",
    authors=["Tyler Anderson", "Jacob Cutter", "Navneet Dhaliwal"],
    categories=["physics.ins-det", "hep-ex"],
    position="record 1",
    comments="10 pages, 9 figures",
    license="http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
)


def record(**changes) -> PaperRecord:
    rec = build_record(**{**BASE, **changes})
    assert isinstance(rec, PaperRecord), rec
    return rec


def v(number: int, when: str, size: str = "") -> VersionRecord:
    return VersionRecord(number, datetime.fromisoformat(when).replace(tzinfo=UTC), size)


def test_new_paper_is_created_with_categories_in_order():
    result = upsert_records([record(versions=[v(1, "2017-06-16T17:00:00")])])
    assert result.created == ["1706.05371"] and result.updated == [] and result.unchanged == 0
    paper = Paper.objects.get(pk="1706.05371")
    assert paper.title.startswith(
        "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid Xenon"
    )
    assert paper.primary_category_id == "physics.ins-det"
    assert paper.category_codes == ["physics.ins-det", "hep-ex"]
    assert paper.authors == ["Tyler Anderson", "Jacob Cutter", "Navneet Dhaliwal"]
    assert "tyler anderson" in paper.authors_search
    # Friday 2017-06-16 17:00 UTC is 13:00 Eastern, before the cutoff: announced Sunday 18th.
    assert paper.announced == date(2017, 6, 18)
    assert list(Announcement.objects.values_list("date", "kind")) == [(date(2017, 6, 18), "new")]


def test_same_record_twice_changes_nothing():
    rec = record(versions=[v(1, "2017-06-16T17:00:00")])
    upsert_records([rec])
    before = Paper.objects.get(pk="1706.05371").modified_at
    result = upsert_records([rec])
    assert result.unchanged == 1 and not result.changed_ids
    assert Paper.objects.get(pk="1706.05371").modified_at == before
    assert Paper.objects.count() == 1 and Version.objects.count() == 1
    assert PaperCategory.objects.count() == 2 and Announcement.objects.count() == 1


def test_newer_version_updates_and_keeps_history():
    upsert_records([record(versions=[v(1, "2017-06-16T17:00:00", "1000kb")])])
    result = upsert_records(
        [
            record(
                title="Evaluation of SiPMs in Liquid Xenon",
                versions=[v(2, "2017-12-12T10:00:00", "1200kb")],
                journal_ref="JINST 13 (2018) P01003",
            )
        ]
    )
    assert result.updated == ["1706.05371"]
    paper = Paper.objects.get(pk="1706.05371")
    assert paper.title == "Evaluation of SiPMs in Liquid Xenon"
    assert paper.version == 2
    assert paper.journal_ref == "JINST 13 (2018) P01003"
    assert list(paper.versions.values_list("number", "size")) == [(1, "1000kb"), (2, "1200kb")]
    assert paper.submitted == datetime(2017, 6, 16, 17, tzinfo=UTC)
    assert paper.updated == datetime(2017, 12, 12, 10, tzinfo=UTC)
    # The first announcement stays; a new version does not move the paper to another day.
    assert paper.announced == date(2017, 6, 18)


def test_older_version_never_overwrites_newer():
    upsert_records(
        [
            record(
                title="Title of v2",
                versions=[v(1, "2017-06-16T17:00:00"), v(2, "2017-12-12T10:00:00")],
            )
        ]
    )
    result = upsert_records(
        [record(title="Title of v1", version=1, doi="10.1088/1748-0221/13/01/P01003")]
    )
    paper = Paper.objects.get(pk="1706.05371")
    assert paper.title == "Title of v2"
    assert paper.version == 2
    # ...but an older record may fill a field that was empty.
    assert paper.doi == "10.1088/1748-0221/13/01/P01003"
    assert result.updated == ["1706.05371"]


def test_empty_fields_never_erase_stored_ones():
    upsert_records([record(comments="10 pages, 9 figures", doi="10.1/x")])
    upsert_records([record(comments="", doi="")])
    paper = Paper.objects.get(pk="1706.05371")
    assert paper.comments == "10 pages, 9 figures" and paper.doi == "10.1/x"


def test_source_announcement_replaces_derived_one_and_replacements_add_days():
    upsert_records([record(versions=[v(1, "2017-06-16T17:00:00")])])
    upsert_records([record(announced=date(2017, 6, 19), announce_kind="new")])
    upsert_records([record(announced=date(2017, 12, 13), announce_kind="replace", version=2)])
    upsert_records([record(announced=date(2017, 6, 19), announce_kind="cross")])
    rows = list(Announcement.objects.order_by("date").values_list("date", "kind"))
    assert rows == [(date(2017, 6, 19), "new"), (date(2017, 12, 13), "replace")]
    assert Paper.objects.get(pk="1706.05371").announced == date(2017, 6, 19)


def test_a_known_category_missing_from_the_database_is_created_from_the_taxonomy():
    Category.objects.filter(code="hep-ex").delete()
    upsert_records([record()])
    cat = Category.objects.get(code="hep-ex")
    assert cat.name == "High Energy Physics - Experiment" and cat.archive_id == "hep-ex"
    assert Paper.objects.get(pk="1706.05371").category_codes == ["physics.ins-det", "hep-ex"]


def test_duplicates_inside_one_batch_are_merged():
    result = upsert_records(
        [
            record(versions=[v(1, "2017-06-16T17:00:00")]),
            record(versions=[v(2, "2017-12-12T10:00:00")], title="Second title"),
        ]
    )
    assert result.created == ["1706.05371"]
    paper = Paper.objects.get(pk="1706.05371")
    assert paper.version == 2 and paper.title == "Second title"
    assert paper.versions.count() == 2


def test_failed_batch_changes_nothing(monkeypatch):
    upsert_records([record(comments="stored")])
    from coolpapers.papers import models

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(models.Announcement.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        upsert_records(
            [record(comments="changed", raw_id="1706.05371"), record(raw_id="1706.05372")]
        )
    assert Paper.objects.get(pk="1706.05371").comments == "stored"
    assert not Paper.objects.filter(pk="1706.05372").exists()


def test_a_record_the_database_refuses_is_rejected_alone():
    upsert_records([record(raw_id="1706.05372", comments="stored")])
    refuse_paper("1706.05372")
    result = upsert_records(
        [
            record(raw_id="1706.05371"),
            record(raw_id="1706.05372", comments="changed"),
            record(raw_id="1706.05373"),
        ]
    )
    assert result.created == ["1706.05371", "1706.05373"] and result.updated == []
    assert [r.identifier for r in result.rejected] == ["1706.05372"]
    assert REASON in result.rejected[0].reason
    assert Paper.objects.get(pk="1706.05372").comments == "stored"
    assert Paper.objects.get(pk="1706.05373").category_codes == ["physics.ins-det", "hep-ex"]
    assert Version.objects.filter(paper_id="1706.05372").count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL refuses a NUL")
def test_a_nul_that_reaches_postgresql_rejects_only_its_record():
    """A record not made by build_record (which drops control characters) still cannot fail the
    batch: PostgreSQL's DataError rejects it alone."""
    hostile = replace(record(raw_id="1706.05372"), authors=["Nul\x00Author"])
    result = upsert_records([record(raw_id="1706.05371"), hostile])
    assert result.created == ["1706.05371"]
    assert result.rejected == [RejectedRecord("1706.05372", result.rejected[0].reason)]
    assert "DataError" in result.rejected[0].reason
    assert not Paper.objects.filter(pk="1706.05372").exists()


def test_a_lost_connection_is_not_taken_for_a_bad_record(monkeypatch):
    """Only errors about the data reject records; any other database error fails the batch, so
    the job retries it and nothing is rejected that the database would have stored."""
    from coolpapers.papers import models

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(models.Version.objects, "bulk_create", lost)
    with pytest.raises(OperationalError):
        upsert_records([record(raw_id="1706.05371"), record(raw_id="1706.05372")])
    assert not Paper.objects.exists()
