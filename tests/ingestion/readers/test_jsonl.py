"""The daily-arXiv JSON-lines reader, and the line rules every JSON-lines reader shares, against
real corpus lines (tests/fixtures/arxiv/corpus and kaggle, see SOURCES.md there)."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from coolpapers.ingestion.readers import jsonl, kaggle
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError
from tests.conftest import ARXIV_FIXTURES

SAMPLE = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"
KAGGLE = ARXIV_FIXTURES / "kaggle" / "arxiv-metadata-oai-snapshot_first50.jsonl"
Reader = Callable[[io.BytesIO, str], Iterator[PaperRecord | RejectedRecord]]


def read(data: bytes, reader: Reader = jsonl.read) -> list[PaperRecord | RejectedRecord]:
    return list(reader(io.BytesIO(data), "test.jsonl"))


def sample_lines() -> list[bytes]:
    return SAMPLE.read_bytes().splitlines(keepends=True)


def by_id(records: list[PaperRecord | RejectedRecord]) -> dict[str, PaperRecord]:
    return {r.arxiv_id: r for r in records if isinstance(r, PaperRecord)}


def edited(line: bytes, **changes: object) -> bytes:
    """A real record with some fields changed (None deletes the field)."""
    record = json.loads(line)
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return json.dumps(record).encode() + b"\n"


# --- the daily-arXiv corpus ----------------------------------------------------------------


def test_reads_the_corpus_sample() -> None:
    records = read(SAMPLE.read_bytes())

    assert len(records) == 66
    assert all(isinstance(r, PaperRecord) for r in records)
    # The scraper lost the author list of these two astro-ph rows; the papers are kept.
    assert [r.arxiv_id for r in records if not r.authors] == ["2604.21954", "2604.21976"]
    first = records[0]
    assert isinstance(first, PaperRecord)
    assert first.arxiv_id == "2503.11677"
    assert first.title == (
        "Simulation of prosthetic vision with PRIMA system and enhancement of face representation"
    )
    assert first.authors == [
        "Jungyeon Park",
        "Anna Kochnev Goldstein",
        "Yueming Zhou",
        "Nathan Jensen",
        "Daniel Palanker",
    ]
    assert first.categories == ["cs.HC", "cs.CV"]
    assert first.comments == ""
    assert first.announced == date(2025, 3, 18)
    assert first.announce_kind == "new"
    assert first.abstract.startswith("Objective. Patients implanted with the PRIMA photovoltaic")
    assert first.abstract.endswith("still remains essential\nfor face recognition.")
    assert first.versions == [] and first.version is None


def test_corpus_values() -> None:
    papers = by_id(read(SAMPLE.read_bytes()))

    cordic = papers["2503.11685"]
    assert cordic.categories == ["cs.AR", "cs.CV", "eess.IV"]
    assert "such as $tanh$, $sigmoid$, and $softmax$" in cordic.abstract
    assert papers["2503.11692"].comments == "IROS2025 under review"
    assert papers["2503.11742"].authors[0] == "Moreno D'Incà"
    assert papers["2511.01550"].authors[2] == "Ana Mićković"
    # Math in the title is kept as written.
    assert papers["2503.19253"].title.startswith("$L^2$FMamba: Lightweight Light Field Image")
    # An older paper announced as a replacement keeps its own id and the listing's date.
    assert papers["2209.07775"].announced == date(2025, 3, 28)
    assert papers["2506.13636"].categories == ["astro-ph.GA"]
    assert papers["2506.13636"].announced == date(2025, 6, 17)


def test_scraped_msc_and_acm_classes_are_not_categories() -> None:
    papers = by_id(read(SAMPLE.read_bytes()))

    # The line lists "94A29, 94A08, ..." and "I.4.2; E.4; ..." among its categories.
    assert papers["2503.11954"].categories == [
        "eess.IV",
        "cs.AI",
        "cs.CV",
        "cs.IT",
        "cs.LG",
        "math.IT",
    ]
    assert papers["2506.13677"].categories == [
        "astro-ph.HE",
        "astro-ph.GA",
        "astro-ph.SR",
        "nucl-ex",
        "nucl-th",
    ]


def test_gzip_sample_reads_the_same() -> None:
    gz = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl.gz"
    with gzip.open(gz, "rb") as stream:
        from_gzip = list(jsonl.read(stream, gz.name))

    assert from_gzip == read(SAMPLE.read_bytes())


def test_primary_category_goes_first() -> None:
    line = sample_lines()[1]  # 2503.11685: cs.AR, cs.CV, eess.IV

    (record,) = read(edited(line, primary_category="cs.CV"))

    assert record.categories == ["cs.CV", "cs.AR", "eess.IV"]


def test_comment_none_string_and_missing_fields() -> None:
    line = sample_lines()[2]  # 2503.11692, comment "IROS2025 under review"

    (none_comment,) = read(edited(line, comment="None"))
    (no_title,) = read(edited(line, title=None))
    (no_abstract,) = read(edited(line, abstract="  "))
    (no_id,) = read(edited(line, id=None))
    (bad_date,) = read(edited(line, announce_date="2025-13-40"))

    assert none_comment.comments == ""
    assert no_title == RejectedRecord("2503.11692", "missing title")
    assert no_abstract == RejectedRecord("2503.11692", "missing abstract")
    assert no_id == RejectedRecord("line 1", "missing id")
    assert bad_date == RejectedRecord("2503.11692", "announce_date '2025-13-40' is not a date")


def test_wrong_types_are_rejected_not_crashed() -> None:
    line = sample_lines()[0]

    (title,) = read(edited(line, title=["a", "list"]))
    (authors,) = read(edited(line, authors=[1, 2]))
    (categories,) = read(edited(line, categories="cs.HC", primary_category=None))

    assert title == RejectedRecord("2503.11677", "title must be text, got list")
    assert authors == RejectedRecord("2503.11677", "authors must be a list of names")
    assert categories == RejectedRecord("2503.11677", "categories must be a list of category codes")


def test_looks_like() -> None:
    head = SAMPLE.read_bytes()[:4096]

    assert jsonl.looks_like(head)
    assert not jsonl.looks_like(KAGGLE.read_bytes()[:4096])
    assert not jsonl.looks_like(b"<?xml version='1.0'?>\n<OAI-PMH>")
    assert not jsonl.looks_like(b"")


def test_first_line_keys_of_a_head_shorter_than_the_line() -> None:
    head = SAMPLE.read_bytes()[:600]  # cuts the first record inside its abstract

    assert {"id", "title", "authors", "categories", "primary_category"} <= jsonl.first_line_keys(
        head
    )


# --- line rules shared by every JSON-lines reader -------------------------------------------

READERS = [
    pytest.param(jsonl.read, SAMPLE, id="daily-arxiv"),
    pytest.param(kaggle.read, KAGGLE, id="kaggle"),
]


def real_lines(path) -> tuple[bytes, bytes, bytes]:
    first, second, third = path.read_bytes().splitlines(keepends=True)[:3]
    return first, second, third


def ids(records: list[PaperRecord | RejectedRecord]) -> list[str]:
    return [r.arxiv_id if isinstance(r, PaperRecord) else r.identifier for r in records]


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_invalid_json_line_mid_file_is_rejected_and_the_rest_goes_on(reader, path) -> None:
    first, second, third = real_lines(path)
    broken = second[: len(second) // 2] + b"\n"  # the id is in the surviving half

    records = read(first + broken + third, reader)

    good_first, rejected, good_third = records
    assert isinstance(good_first, PaperRecord) and isinstance(good_third, PaperRecord)
    assert isinstance(rejected, RejectedRecord)
    assert rejected.identifier == json.loads(second)["id"]
    assert rejected.reason.startswith("invalid JSON: ")


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_unrecoverable_id_is_named_by_line(reader, path) -> None:
    first, second, _ = real_lines(path)

    records = read(first + b"\n" + b"{not json at all\n" + b"[1, 2]\n" + second, reader)

    assert ids(records) == [json.loads(first)["id"], "line 3", "line 4", json.loads(second)["id"]]
    assert records[1].reason.startswith("invalid JSON: Expecting property name")
    assert records[2].reason == "invalid JSON: expected an object, got list"


@pytest.mark.parametrize(("reader", "path"), READERS)
@pytest.mark.parametrize(
    "junk",
    [
        b"<!DOCTYPE html>\n<html><body>Not Found</body></html>\n",
        b'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH></OAI-PMH>\n',
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"id,submitter,authors,title\n",
        b"[\n",
    ],
)
def test_a_file_that_is_not_json_lines_fails(reader, path, junk) -> None:
    first, _, _ = real_lines(path)

    with pytest.raises(SourceError) as error:
        read(junk + first, reader)

    assert error.value.source == "test.jsonl"
    assert error.value.position == "line 1"
    assert error.value.message.startswith("not JSON lines: ")


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_a_gzip_file_not_decompressed_fails_with_a_hint(reader, path) -> None:
    with pytest.raises(SourceError) as error:
        read(gzip.compress(path.read_bytes()), reader)

    assert error.value.position == "line 1"
    assert "gzip-compressed" in error.value.message


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_truncated_last_line_fails_naming_the_line(reader, path) -> None:
    first, second, third = real_lines(path)

    with pytest.raises(SourceError) as error:
        read(first + second + third[:100], reader)

    assert error.value.position == "line 3"
    assert error.value.message.startswith("truncated: invalid JSON: ")


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_a_file_cut_inside_its_first_line_is_truncated(reader, path) -> None:
    first, _, _ = real_lines(path)

    with pytest.raises(SourceError) as error:
        read(first[:50], reader)

    assert (error.value.position, error.value.message[:10]) == ("line 1", "truncated:")


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_last_line_without_newline_is_fine_when_complete(reader, path) -> None:
    first, second, _ = real_lines(path)

    records = read(first + second.rstrip(b"\n"), reader)

    assert all(isinstance(r, PaperRecord) for r in records) and len(records) == 2


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_invalid_utf8_line_is_rejected(reader, path) -> None:
    first, second, third = real_lines(path)
    title = json.loads(second)["title"].encode()
    bad = second.replace(title[:5], title[:2] + b"\xff\xfe" + title[3:5], 1)

    records = read(first + bad + third, reader)

    assert isinstance(records[1], RejectedRecord)
    assert records[1].identifier == json.loads(second)["id"]
    assert records[1].reason.startswith("invalid UTF-8: ")
    assert isinstance(records[0], PaperRecord) and isinstance(records[2], PaperRecord)


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_lone_surrogate_escape_is_rejected(reader, path) -> None:
    first, second, _ = real_lines(path)
    bad = edited(second, title="broken \ud800 escape")  # json.dumps writes "\ud800"

    records = read(first + bad, reader)

    assert records[1] == RejectedRecord(
        json.loads(second)["id"], "invalid JSON: unpaired surrogate escape"
    )


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_deeply_nested_json_is_rejected_without_recursion_error(reader, path) -> None:
    first, second, _ = real_lines(path)
    deep_array = b"[" * 100_000 + b"]" * 100_000 + b"\n"
    deep_object = b'{"id": ' * 100_000 + b"1" + b"}" * 100_000 + b"\n"

    records = read(first + deep_array + deep_object + second, reader)

    assert ids(records)[1:3] == ["line 2", "line 3"]
    assert records[1].reason == records[2].reason == "invalid JSON: nested too deeply"
    assert isinstance(records[3], PaperRecord)


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_overlong_line_is_skipped(reader, path, monkeypatch) -> None:
    first, _, third = real_lines(path)
    monkeypatch.setattr(jsonl, "MAX_LINE", max(len(first), len(third)) + 10)

    records = read(first + b'{"id": "x' + b"y" * 50_000 + b'"}\n' + third, reader)

    assert [type(r) for r in records] == [PaperRecord, RejectedRecord, PaperRecord]
    assert records[1].identifier == "line 2"
    assert records[1].reason.startswith("line longer than")


@pytest.mark.parametrize(("reader", "path"), READERS)
def test_blank_lines_and_a_byte_order_mark_are_fine(reader, path) -> None:
    first, second, _ = real_lines(path)

    records = read(b"\n\xef\xbb\xbf" + first + b"\r\n  \n" + second + b"\n\n", reader)

    assert ids(records) == [json.loads(first)["id"], json.loads(second)["id"]]
    assert all(isinstance(r, PaperRecord) for r in records)


def test_an_empty_file_has_no_records() -> None:
    assert read(b"") == []
    assert read(b"\n \n") == []


def test_escaped_surrogate_pair_and_null_categories_are_fine() -> None:
    line = sample_lines()[0]  # 2503.11677, primary cs.HC
    emoji = line.replace(b'"title": "Simulation', b'"title": "\\ud83d\\udc41 Simulation')

    (record,) = read(emoji)
    (no_list,) = read(edited(line, categories=None))

    assert record.title.startswith("\U0001f441 Simulation of prosthetic vision")
    assert no_list.categories == ["cs.HC"]
