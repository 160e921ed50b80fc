"""The Kaggle arxiv-metadata-oai-snapshot readers (JSON lines and CSV) against real records
(tests/fixtures/arxiv/kaggle, see SOURCES.md). The line rules they share with every JSON-lines
reader (invalid, truncated, junk, nested lines) are tested in test_jsonl.py for both readers."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from coolpapers.ingestion.readers import kaggle
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError, VersionRecord
from tests.conftest import ARXIV_FIXTURES

SNAPSHOT = ARXIV_FIXTURES / "kaggle" / "arxiv-metadata-oai-snapshot_first50.jsonl"
CSV = ARXIV_FIXTURES / "kaggle" / "arxiv-kaggle-fields_first20.csv"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(data: bytes) -> list[PaperRecord | RejectedRecord]:
    return list(kaggle.read(io.BytesIO(data), "snapshot.json"))


def read_csv(data: bytes) -> list[PaperRecord | RejectedRecord]:
    return list(kaggle.read_csv(io.BytesIO(data), "arxiv.csv"))


def snapshot_line(index: int) -> bytes:
    return SNAPSHOT.read_bytes().splitlines(keepends=True)[index]


def edited(line: bytes, **changes: object) -> bytes:
    """A real record with some fields changed (None deletes the field)."""
    record = json.loads(line)
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return json.dumps(record).encode() + b"\n"


# --- JSON lines ----------------------------------------------------------------------------


def test_reads_the_first_snapshot_records() -> None:
    records = read(SNAPSHOT.read_bytes())

    assert len(records) == 50
    assert all(isinstance(r, PaperRecord) for r in records)
    assert [r.arxiv_id for r in records[:3]] == ["0704.0001", "0704.0002", "0704.0003"]
    assert records[-1].arxiv_id == "0704.0050"


def test_first_record_values() -> None:
    first = read(SNAPSHOT.read_bytes())[0]

    assert first.arxiv_id == "0704.0001"
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    # authors_parsed is preferred: Kaggle has already turned Bal\'azs into Balázs.
    assert first.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert first.categories == ["hep-ph"]
    assert first.comments == "37 pages, 15 figures; published version"
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.report_no == "ANL-HEP-PR-07-12"
    assert first.license == ""  # null in the snapshot
    assert first.versions == [
        VersionRecord(1, utc(2007, 4, 2, 19, 18, 42)),
        VersionRecord(2, utc(2007, 7, 24, 20, 10, 27)),
    ]
    assert first.abstract.startswith("A fully differential calculation in perturbative quantum")
    assert first.abstract.endswith("can be obtained with judicious\nselection of events.")
    assert first.announced is None


def test_cross_lists_license_and_affiliations() -> None:
    records = {r.arxiv_id: r for r in read(SNAPSHOT.read_bytes())}

    second = records["0704.0002"]
    assert second.authors == ["Ileana Streinu", "Louis Theran"]
    assert second.categories == ["math.CO", "cs.CG"]  # primary first, as listed
    assert second.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert second.versions[1] == VersionRecord(2, utc(2008, 12, 13, 17, 26))
    # authors_parsed's fourth element is an affiliation, not part of the name.
    assert records["0704.0025"].authors == ["A. S. Mishchenko", "N. Nagaosa"]
    assert records["0704.0044"].authors[0] == "A. A. Schekochihin"


def test_free_text_authors_when_authors_parsed_is_missing_or_malformed() -> None:
    line = snapshot_line(0)

    (missing,) = read(edited(line, authors_parsed=None))
    (malformed,) = read(edited(line, authors_parsed="Balázs, C."))

    # The authors field keeps arXiv's TeX accents as given.
    expected = ["C. Bal\\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert missing.authors == malformed.authors == expected


def test_missing_fields_are_rejected_with_the_id() -> None:
    line = snapshot_line(0)

    (no_title,) = read(edited(line, title=None))
    (no_abstract,) = read(edited(line, abstract=""))
    (no_id,) = read(edited(line, id=None))
    (no_categories,) = read(edited(line, categories=""))
    (bad_category,) = read(edited(line, categories="Physics! hep-ph"))

    assert no_title == RejectedRecord("0704.0001", "missing title")
    assert no_abstract == RejectedRecord("0704.0001", "missing abstract")
    assert no_id == RejectedRecord("line 1", "missing id")
    assert no_categories == RejectedRecord("0704.0001", "no categories")
    assert bad_category == RejectedRecord("0704.0001", "'Physics!' is not an arXiv category")


@pytest.mark.parametrize(
    ("versions", "reason"),
    [
        ("v1", "bad versions: expected a list, got str"),
        ([{"version": "v1", "created": "yesterday"}], "bad versions: v1 has no valid date"),
        ([{"version": "1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}], "bad versions: "),
        ([["v1", "Mon, 2 Apr 2007 19:18:42 GMT"]], "bad versions: "),
    ],
)
def test_bad_versions_are_rejected(versions: object, reason: str) -> None:
    (record,) = read(edited(snapshot_line(0), versions=versions))

    assert isinstance(record, RejectedRecord)
    assert record.identifier == "0704.0001"
    assert record.reason.startswith(reason)


def test_looks_like() -> None:
    data = SNAPSHOT.read_bytes()

    assert kaggle.looks_like(data[:4096])
    assert kaggle.looks_like(data[:300])  # a head that ends inside the first record
    daily = (ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl").read_bytes()
    assert not kaggle.looks_like(daily[:4096])
    assert not kaggle.looks_like(b"<html>")
    assert not kaggle.looks_like(CSV.read_bytes()[:4096])


class GeneratedStream(io.RawIOBase):
    """A file whose bytes are produced on demand, so the test never holds the whole input."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = b""
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self.pending:
            self.pending = next(self.chunks, b"")
            if not self.pending:
                return 0
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        self.produced += size
        return size


def test_reading_is_streamed() -> None:
    # 10,000 copies of a real record (new ids, a 19,500-character abstract): ~205 MB in all,
    # ten times the memory the reader may use. (tracemalloc makes many more lines too slow.)
    template = json.loads(snapshot_line(0))
    template["abstract"] = (template["abstract"] * 20)[:19_500]
    head, tail = json.dumps({**template, "id": "@"}).encode().split(b'"@"')

    def lines(count: int) -> Iterator[bytes]:
        for i in range(count):
            yield b'%s"2301.%05d"%s\n' % (head, i, tail)

    raw = GeneratedStream(lines(10_000))
    tracemalloc.start()
    try:
        papers = sum(isinstance(r, PaperRecord) for r in kaggle.read(io.BufferedReader(raw), "gen"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert papers == 10_000
    assert raw.produced > 200_000_000
    assert peak < 20_000_000


# --- CSV -----------------------------------------------------------------------------------


def csv_rows() -> list[bytes]:
    """The header and the first three real rows, as bytes (a row may span several lines)."""
    lines = CSV.read_bytes().splitlines(keepends=True)
    reader = csv.reader(io.StringIO(CSV.read_text(encoding="utf-8"), newline=""))
    ends = []
    for _ in range(4):
        next(reader)
        ends.append(reader.line_num)
    return [b"".join(lines[start:end]) for start, end in zip([0, *ends], ends, strict=False)]


def test_reads_the_csv_sample() -> None:
    records = read_csv(CSV.read_bytes())

    assert len(records) == 20
    assert all(isinstance(r, PaperRecord) for r in records)
    first = records[0]
    assert first.arxiv_id == "1107.5306"
    assert first.title == (
        "Galaxy Zoo: dust and molecular gas in early-type galaxies with prominent dust lanes"
    )
    assert first.authors[:3] == ["Sugata Kaviraj", "Yuan-Sen Ting", "Martin Bureau"]
    assert len(first.authors) == 12 and first.authors[-1] == "Steven P. Bamford"
    assert first.categories == ["astro-ph.CO"]
    assert first.journal_ref == "2012, MNRAS, 423, 49"
    assert first.doi == "10.1111/j.1365-2966.2012.20957.x"
    assert first.report_no == ""
    assert first.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert first.versions == [
        VersionRecord(1, utc(2011, 7, 26, 20, 0, 1)),
        VersionRecord(2, utc(2012, 5, 17, 8, 25, 19)),
    ]
    assert first.abstract.endswith("the accreted satellites are 20%-44%. [Abridged]")
    fourth = records[3]
    assert fourth.arxiv_id == "1207.7076"
    assert fourth.categories == ["astro-ph.SR", "astro-ph.GA"]
    assert fourth.authors[1] == "Gayandhi M. De Silva"
    assert [v.number for v in fourth.versions] == [1, 2, 3]


def test_csv_rows_split_back_to_the_real_rows() -> None:
    header, *rows = csv_rows()

    assert [r.arxiv_id for r in read_csv(header + b"".join(rows))] == [
        r.arxiv_id for r in read_csv(CSV.read_bytes())[:3]
    ]


@pytest.mark.parametrize(
    "versions",
    [
        "[{'version': 'v1', 'created': __import__('os').system('echo pwned')}]",
        "[{'version': 'v1', 'created': 'Mon, 2 Apr 2007'}",
        "[" * 300 + "]" * 300,
        "not a list",
    ],
)
def test_bad_csv_versions_are_rejected_never_evaluated(versions: str) -> None:
    header, first, second, _ = csv_rows()
    bad = first.replace(
        b"\"[{'version': 'v1', 'created': 'Tue, 26 Jul 2011 20:00:01 GMT'}, "
        b"{'version': 'v2', 'created': 'Thu, 17 May 2012 08:25:19 GMT'}]\"",
        b'"' + versions.encode() + b'"',
    )
    assert bad != first

    records = read_csv(header + bad + second)

    assert isinstance(records[0], RejectedRecord)
    assert records[0].identifier == "1107.5306"
    assert records[0].reason.startswith("bad versions: ")
    assert isinstance(records[1], PaperRecord)


def test_bad_csv_rows_are_rejected() -> None:
    header, first, second, third = csv_rows()
    short = b"1207.9999,someone,A. Author\n"
    undecodable = second.replace(b"Galaxy Zoo", b"Gal\xff\xfexy Zoo")

    records = read_csv(header + first + short + undecodable + third)

    assert records[1] == RejectedRecord("1207.9999", "row 2 has 3 columns, expected 14")
    assert records[2] == RejectedRecord("1107.5310", "row 3 is not valid UTF-8")
    assert isinstance(records[0], PaperRecord) and isinstance(records[3], PaperRecord)


def test_a_file_that_is_not_a_kaggle_csv_fails() -> None:
    header, first, _, _ = csv_rows()

    with pytest.raises(SourceError) as not_kaggle:
        read_csv(b"index,title,tags,authors,abstract\n1,x,y,z,w\n")
    with pytest.raises(SourceError) as truncated:
        read_csv(header + first[: len(first) // 2])

    assert not_kaggle.value.position == "line 1"
    assert not_kaggle.value.message == "not a Kaggle CSV: no categories, id, versions"
    assert truncated.value.message == "bad CSV: unexpected end of data"


def test_read_csv_leaves_the_stream_open() -> None:
    stream = io.BytesIO(CSV.read_bytes())

    assert len(list(kaggle.read_csv(stream, "arxiv.csv"))) == 20
    assert not stream.closed


def test_csv_empty_versions_and_unparseable_authors_parsed() -> None:
    header, first, _, _ = csv_rows()
    row = next(csv.reader(io.StringIO(first.decode(), newline="")))
    columns = header.decode().strip().split(",")
    row[columns.index("versions")] = ""
    row[columns.index("authors_parsed")] = "[['Kaviraj', 'Sugata', ''"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)

    (record,) = read_csv(header + out.getvalue().encode())

    assert record.arxiv_id == "1107.5306"
    assert record.versions == []
    # From the free-text column instead ("..., R.\n  Mark Crockett, ...").
    assert record.authors[:5] == [
        "Sugata Kaviraj",
        "Yuan-Sen Ting",
        "Martin Bureau",
        "Stanislav S. Shabala",
        "R. Mark Crockett",
    ]


def test_csv_row_with_an_undecodable_id_is_named_by_position() -> None:
    header, first, second, _ = csv_rows()

    records = read_csv(header + first + b"\xff" + second)

    assert records[1] == RejectedRecord("row 2", "row 2 is not valid UTF-8")
