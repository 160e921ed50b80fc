"""What every reader shares: build_record cleans every text field of a record in one place, and
a category outside arXiv's taxonomy rejects the record, whichever reader it came through."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from coolpapers.ingestion.readers import abs as abs_reader
from coolpapers.ingestion.readers import atom, jsonl, kaggle, oai, rss
from coolpapers.ingestion.readers.common import MAX_LENGTH, MAX_SIZE, build_record
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, VersionRecord
from tests.conftest import ARXIV_FIXTURES

# C0, DEL and C1 controls that are not whitespace: deleted, so a name they are put into reads
# as before. XML 1.0 cannot carry C0 controls at all; JSON and .abs text can.
XML_CONTROLS = "\x7f\x80\x9f".encode()
JSON_CONTROLS = b"\\u0000\\u0007\\u001b\\u007f\\u009f"
TEXT_CONTROLS = "\x00\x07\x1b\x7f\x9f".encode()

READERS = [
    (oai.read, "oai/hepcrawl_arxiv-physics-hep-ex.xml", XML_CONTROLS),
    (oai.read, "oai/litpuvn_ListRecords_arXivRaw.xml", XML_CONTROLS),
    (atom.read, "api/arxiv.py_2016/search_query=au_del_maestro.xml", XML_CONTROLS),
    (rss.read, "rss/laya-reader_arxiv_rss.xml", XML_CONTROLS),
    (rss.read, "rss/paper-forge_arxiv_rss_atom.xml", XML_CONTROLS),
    (jsonl.read, "corpus/daily_arxiv_sample.jsonl", JSON_CONTROLS),
    (kaggle.read, "kaggle/arxiv-metadata-oai-snapshot_first50.jsonl", JSON_CONTROLS),
    (abs_reader.read, "abs/ftp/arxiv/papers/0704/0704.0001.abs", TEXT_CONTROLS),
    (abs_reader.read, "abs/ftp/hep-th/papers/9709/9709111.abs", TEXT_CONTROLS),
]


def records(reader, data: bytes, source: str) -> list[PaperRecord | RejectedRecord]:
    return list(reader(io.BytesIO(data), source))


@pytest.mark.parametrize(("reader", "name", "controls"), READERS)
def test_control_characters_in_an_author_name_change_nothing(reader, name, controls):
    data = (ARXIV_FIXTURES / name).read_bytes()
    before = records(reader, data, name)
    first = next(r for r in before if isinstance(r, PaperRecord))
    names = (word for name in first.authors for word in reversed(name.split()))
    surname = next(w for w in names if w.isascii() and w.isalpha() and len(w) > 2)
    token = surname.encode()
    assert token in data, surname
    hostile = data.replace(token, token[:1] + controls + token[1:])

    after = records(reader, hostile, name)

    assert after == before


FIELDS = ["title", "abstract", "comments", "journal_ref", "doi", "report_no", "license"]
FIELDS += ["msc_class", "acm_class"]
BASE = dict(
    raw_id="1706.05371",
    title="Evaluation of Silicon Photomultipliers",
    abstract="Silicon photomultipliers (SiPMs) are potential solid-state alternatives.",
    authors=["Tyler Anderson", "Jacob Cutter"],
    categories=["physics.ins-det", "hep-ex"],
    position="record 1",
)


@pytest.mark.parametrize("field", FIELDS)
def test_every_text_field_is_cleaned(field):
    record = build_record(**{**BASE, field: "Schro\u0308dinger\x00 \x9fcat\ud800"})
    assert isinstance(record, PaperRecord), record
    assert getattr(record, field) == "Schrödinger cat\ufffd"


def test_authors_categories_id_and_version_sizes_are_cleaned():
    version = VersionRecord(1, datetime(2017, 6, 16, tzinfo=UTC), "12\x00kb\x9f")
    record = build_record(
        **{
            **BASE,
            "raw_id": "1706.05371\x00",
            "authors": ["Nul\x00Author", "Jo\u0301\x1bse\u0301", "\x00\x7f"],
            "categories": ["physics.ins-det\x00", "hep\x9f-ex"],
            "versions": [version],
        }
    )
    assert isinstance(record, PaperRecord), record
    assert record.arxiv_id == "1706.05371"
    assert record.authors == ["NulAuthor", "Jósé"]
    assert record.categories == ["physics.ins-det", "hep-ex"]
    assert record.versions[0].size == "12kb"


def test_a_rejection_names_its_id_without_control_characters():
    rejected = build_record(**{**BASE, "raw_id": "not\x00an id\x9f"})
    assert isinstance(rejected, RejectedRecord)
    assert rejected.identifier == "notan id"
    assert RejectedRecord("2401.0\x00001", "bad\x00 date").reason == "bad date"


@pytest.mark.parametrize("categories", [["cs.FAKE", "made.up"], ["cs.ai", "cs.AI"], ["physics"]])
def test_a_primary_category_outside_the_taxonomy_rejects_the_record(categories):
    rejected = build_record(**{**BASE, "categories": categories})
    assert isinstance(rejected, RejectedRecord)
    assert rejected.identifier == "1706.05371"
    assert f"{categories[0]!r} is not an arXiv category" == rejected.reason


def test_a_cross_list_outside_the_taxonomy_is_dropped_not_created():
    """As the real record 2505.21558 of the daily-arXiv corpus lists them."""
    record = build_record(**{**BASE, "categories": ["cs.CV", "cs.AI", "made.up", "cs.LG", "na"]})
    assert isinstance(record, PaperRecord)
    assert record.categories == ["cs.CV", "cs.AI", "cs.LG"]


@pytest.mark.parametrize(
    "code", ["hep-th", "acc-phys", "solv-int", "cmp-lg", "astro-ph", "cond-mat", "q-bio", "math.MP"]
)
def test_old_and_alias_categories_are_known(code):
    assert isinstance(build_record(**{**BASE, "categories": [code]}), PaperRecord)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("doi", "10.1/" + "x" * 600, "doi is 605 characters (at most 500)"),
        ("license", "http://" + "x" * 300, "license is 307 characters (at most 300)"),
        ("acm_class", "I.2; " * 120, "acm_class is 599 characters (at most 500)"),
    ],
)
def test_a_field_longer_than_its_column_is_rejected_with_the_reason(field, value, reason):
    rejected = build_record(**{**BASE, field: value})
    assert isinstance(rejected, RejectedRecord)
    assert rejected.reason == reason


def test_length_limits_are_the_columns():
    from coolpapers.papers.models import Paper, Version

    for name, limit in MAX_LENGTH.items():
        assert Paper._meta.get_field(name).max_length == limit
    assert Version._meta.get_field("size").max_length == MAX_SIZE


@pytest.mark.parametrize("number", [0, 1001, 10**20])
def test_a_version_number_no_column_holds_is_rejected(number):
    version = VersionRecord(number, datetime(2017, 6, 16, tzinfo=UTC))
    rejected = build_record(**{**BASE, "versions": [version]})
    assert isinstance(rejected, RejectedRecord)
    assert rejected.reason == f"version {number} is not a version number (1 to 1000)"
