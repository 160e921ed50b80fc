"""The .abs reader against arXiv's own .abs files (tests/fixtures/arxiv/abs, see SOURCES.md)."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime

import pytest

from coolpapers.ingestion.readers import abs as abs_reader
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError, VersionRecord
from tests.conftest import ARXIV_FIXTURES

ABS = ARXIV_FIXTURES / "abs"
ARXIV_0704_0001 = "ftp/arxiv/papers/0704/0704.0001.abs"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(data: bytes, source: str = "paper.abs") -> PaperRecord | RejectedRecord:
    (record,) = abs_reader.read(io.BytesIO(data), source)
    return record


def read_file(path: str) -> PaperRecord:
    record = read((ABS / path).read_bytes(), path)
    assert isinstance(record, PaperRecord), record
    return record


def tar_of_fixtures(mode: str) -> bytes:
    """The fixture tree as arXiv lays it out, with a non-.abs member and a directory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for path in sorted(ABS.rglob("*")):
            archive.add(path, arcname=str(path.relative_to(ABS)), recursive=False)
    return buffer.getvalue()


def test_new_style_id_with_two_versions() -> None:
    record = read_file(ARXIV_0704_0001)

    assert record.arxiv_id == "0704.0001"
    # The title's continuation line is joined.
    assert record.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    # Authors as arXiv gives them, TeX accents included.
    assert record.authors == ["C. Bal\\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert record.categories == ["hep-ph"]
    assert record.comments == "37 pages, 15 figures; published version"
    assert record.report_no == "ANL-HEP-PR-07-12"
    assert record.journal_ref == "Phys.Rev.D76:013009,2007"
    assert record.doi == "10.1103/PhysRevD.76.013009"
    assert record.license == ""
    assert record.versions == [
        VersionRecord(1, utc(2007, 4, 2, 19, 18, 42), "443kb"),
        VersionRecord(2, utc(2007, 7, 24, 20, 10, 27), "370kb"),
    ]
    assert record.abstract.startswith("A fully differential calculation in perturbative quantum")
    assert record.abstract.endswith("can be obtained with judicious\nselection of events.")


def test_cross_list_msc_class_and_license() -> None:
    record = read_file("ftp/arxiv/papers/0704/0704.0002.abs")

    assert record.authors == ["Ileana Streinu", "Louis Theran"]
    assert record.categories == ["math.CO", "cs.CG"]
    assert record.msc_class == "05C85; 05C70; 68R10; 05B35"
    assert record.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert [(v.number, v.size) for v in record.versions] == [(1, "377kb"), (2, "136kb")]


def test_old_style_id_with_four_versions() -> None:
    record = read_file("ftp/math/papers/0202/0202001.abs")

    assert record.arxiv_id == "math/0202001"
    assert record.title == "From fractal groups to fractal sets"
    # "Volodymyr V.\n  Nekrashevych": a name continued on the next line.
    assert record.authors == [
        "Laurent Bartholdi",
        "Rostislav I. Grigorchuk",
        "Volodymyr V. Nekrashevych",
    ]
    assert record.categories == ["math.GR", "math.DS"]
    assert record.msc_class == "20E08; 37B10; 28A80"
    assert record.journal_ref == (
        "Fractals in Graz 2001, 25--118, Trends Math., Birkhauser, Basel, 2003"
    )
    assert record.versions == [
        VersionRecord(1, utc(2002, 2, 1, 2, 2, 3), "391kb"),
        VersionRecord(2, utc(2002, 2, 3, 21, 43, 30), "439kb"),
        VersionRecord(3, utc(2002, 7, 13, 22, 44, 27), "441kb"),
        VersionRecord(4, utc(2002, 9, 13, 18, 26, 29), "442kb"),
    ]
    # Paragraphs keep their line breaks and indentation.
    assert "groups.\n  A particularly interesting class of examples" in record.abstract


def test_old_style_archive_with_a_hyphen() -> None:
    record = read_file("ftp/acc-phys/papers/9411/9411001.abs")

    assert record.arxiv_id == "acc-phys/9411001"
    assert record.authors == ["Salman Habib", "Robert D. Ryne"]
    assert record.categories == ["acc-phys", "physics.acc-ph"]
    assert record.report_no == "LA-UR-94-3641"
    assert record.versions == [VersionRecord(1, utc(1994, 11, 1, 18, 57, 48), "199kb")]


def test_affiliations_and_continued_comments() -> None:
    record = read_file("ftp/hep-th/papers/9709/9709111.abs")

    assert record.arxiv_id == "hep-th/9709111"
    assert record.authors == [
        "Andrea Brignole (CERN-TH)",
        "Ferruccio Feruglio (Padua Univ.)",
        "Fabio Zwirner (INFN-Padua)",
    ]
    assert record.categories == ["hep-th", "hep-ph"]
    assert record.comments == (
        "12 pages, 1 figure, plain LaTeX. An important proof added in section 5. "
        "Final version to be published in JHEP"
    )
    assert record.report_no == "CERN-TH/97-244, DFPD~97/TH/35"
    assert record.journal_ref == "JHEP 9711:001,1997"
    assert record.doi == "10.1088/1126-6708/1997/11/001"
    assert [v.number for v in record.versions] == [1, 2, 3]


def test_acm_class() -> None:
    record = read_file("ftp/cs/papers/0011/0011004.abs")

    assert record.arxiv_id == "cs/0011004"
    assert record.acm_class == "C.2.0"
    assert record.authors == ["J. Mueller-Quade", "H. Imai"]


def test_latin1_file_and_five_versions() -> None:
    record = read_file("ftp/arxiv/papers/1607/1607.08199.abs")

    assert record.journal_ref == (
        "Épijournal de Géométrie Algébrique, Volume 1 (September 1, 2017) epiga:3255"
    )
    assert record.authors[1] == "Emanuele Macr\\`i"
    assert record.license == "http://creativecommons.org/licenses/by-sa/4.0/"
    assert [(v.number, v.size) for v in record.versions] == [
        (1, "39kb"),
        (2, "39kb"),
        (3, "41kb"),
        (4, "41kb"),
        (5, "122kb"),
    ]
    assert record.versions[-1].submitted == utc(2017, 4, 5, 18, 19, 17)


def test_latex_line_breaks_inside_the_abstract() -> None:
    record = read_file("ftp/arxiv/papers/2004/2004.02153.abs")

    assert "\\mu(x) u^\\kappa,\n\\\\\n  v_t = \\Delta v - v + u" in record.abstract
    assert record.abstract.endswith("collapse into a persistent Dirac distribution.")
    lhcb = read_file("ftp/arxiv/papers/2103/2103.11058.abs")
    assert lhcb.abstract.endswith(
        "the most precise measurements of $\\mathcal{A}_{CP}$ in these decay\nmodes to date."
    )
    assert len(lhcb.authors) == 968
    assert lhcb.authors[-1] == "G. Zunica"
    assert lhcb.categories == ["hep-ex"]


def test_empty_file_is_rejected() -> None:
    path = "ftp/math-ph/papers/0509/0509037.abs"

    assert read((ABS / path).read_bytes(), path) == RejectedRecord(path, "empty file")


def test_missing_categories_is_rejected_naming_the_header() -> None:
    # arXiv's .abs of a superseded version has no Categories line.
    path = "orig/math/papers/0202/0202001v1.abs"

    assert read((ABS / path).read_bytes(), path) == RejectedRecord(
        "math/0202001", "missing Categories: header"
    )


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        (b"Title: ", RejectedRecord("0704.0001", "missing Title: header")),
        (b"Authors: ", RejectedRecord("0704.0001", "missing Authors: header")),
        (b"arXiv:0704", RejectedRecord("paper.abs", "missing arXiv: (or Paper:) header")),
    ],
)
def test_missing_header_is_rejected(remove: bytes, expected: RejectedRecord) -> None:
    lines = (ABS / ARXIV_0704_0001).read_bytes().splitlines(keepends=True)

    assert read(b"".join(line for line in lines if not line.startswith(remove))) == expected


def test_missing_abstract_and_bad_date_are_rejected() -> None:
    data = (ABS / ARXIV_0704_0001).read_bytes()
    header = data.rsplit(b"\\\\\n", 2)[0]  # everything before the abstract's \\ line

    assert read(header + b"\\\\\n\\\\\n") == RejectedRecord("0704.0001", "missing abstract")
    bad_date = data.replace(b"Tue, 24 Jul 2007", b"Tue, 99 Jul 2007")
    assert read(bad_date) == RejectedRecord(
        "0704.0001",
        "Date (revised v2): header 'Tue, 99 Jul 2007 20:10:27 GMT   (370kb)' has no valid date",
    )


def test_paper_header_of_older_abs_files() -> None:
    data = (
        (ABS / ARXIV_0704_0001)
        .read_bytes()
        .replace(b"\narXiv:0704.0001\n", b"\nPaper: 0704.0001\n")
    )

    record = read(data)

    assert isinstance(record, PaperRecord) and record.arxiv_id == "0704.0001"


def test_not_an_abs_file() -> None:
    assert read(b"<html><body>Not Found</body></html>") == RejectedRecord(
        "paper.abs", "not an .abs file: no header block between \\\\ lines"
    )
    too_big = b"-" * (abs_reader.MAX_ABS_BYTES + 1)
    assert read(too_big) == RejectedRecord(
        "paper.abs", f"larger than {abs_reader.MAX_ABS_BYTES} bytes: not an .abs file"
    )


@pytest.mark.parametrize("mode", ["w:gz", "w"])
def test_read_tar_reads_current_abs_members(mode: str) -> None:
    data = tar_of_fixtures(mode)

    records = list(abs_reader.read_tar(io.BytesIO(data), f"abs.{mode}"))

    # orig/…/0202001v1.abs (a superseded version) and SOURCES.md are skipped.
    assert [r.arxiv_id if isinstance(r, PaperRecord) else r for r in records] == [
        "acc-phys/9411001",
        "0704.0001",
        "0704.0002",
        "1607.08199",
        "2004.02153",
        "2103.11058",
        "cs/0011004",
        "hep-th/9709111",
        "math/0202001",
        RejectedRecord("ftp/math-ph/papers/0509/0509037.abs", "empty file"),
    ]
    assert records[1] == read_file(ARXIV_0704_0001)


def test_read_tar_fails_on_a_truncated_or_foreign_archive() -> None:
    data = tar_of_fixtures("w:gz")

    with pytest.raises(SourceError) as truncated:
        list(abs_reader.read_tar(io.BytesIO(data[: len(data) // 2]), "abs.tar.gz"))
    with pytest.raises(SourceError) as foreign:
        list(abs_reader.read_tar(io.BytesIO((ABS / ARXIV_0704_0001).read_bytes()), "x.tar"))

    assert truncated.value.source == "abs.tar.gz"
    assert truncated.value.position.startswith("member ftp/")
    assert truncated.value.message.startswith("unreadable tar archive: ")
    assert (foreign.value.position, foreign.value.message[:23]) == (
        "start",
        "unreadable tar archive:",
    )


def test_looks_like() -> None:
    assert abs_reader.looks_like((ABS / ARXIV_0704_0001).read_bytes()[:4096])
    assert abs_reader.looks_like((ABS / "ftp/math/papers/0202/0202001.abs").read_bytes()[:200])
    assert not abs_reader.looks_like(b"")
    assert not abs_reader.looks_like(b'{"id": "0704.0001"}\n')
    assert not abs_reader.looks_like(b"-" * 78 + b"\nsome other text\n")


def test_unknown_header_lines_do_not_swallow_continuations() -> None:
    data = (
        (ABS / ARXIV_0704_0001)
        .read_bytes()
        .replace(
            b"Categories: hep-ph\n", b"Categories: hep-ph\n%% stray line\n  stray continuation\n"
        )
    )

    record = read(data)

    assert isinstance(record, PaperRecord)
    assert record.categories == ["hep-ph"]


def test_read_tar_rejects_an_oversized_member() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        big = tarfile.TarInfo("ftp/arxiv/papers/0704/0704.9999.abs")
        big.size = abs_reader.MAX_ABS_BYTES + 1
        archive.addfile(big, io.BytesIO(b"-" * big.size))
        archive.add(ABS / ARXIV_0704_0001, arcname=ARXIV_0704_0001)

    records = list(abs_reader.read_tar(io.BytesIO(buffer.getvalue()), "big.tar"))

    assert records[0] == RejectedRecord(
        "ftp/arxiv/papers/0704/0704.9999.abs", f"larger than {abs_reader.MAX_ABS_BYTES} bytes"
    )
    assert isinstance(records[1], PaperRecord) and records[1].arxiv_id == "0704.0001"
