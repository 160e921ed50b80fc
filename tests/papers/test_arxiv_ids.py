"""parse_arxiv_id / normalize_arxiv_id: every form users and sources give, and what to refuse."""

from __future__ import annotations

import pytest

from coolpapers.papers.arxiv_ids import ArxivId, InvalidArxivId, normalize_arxiv_id, parse_arxiv_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # New style: four digits after the dot 0704-1412, five since 1501.
        ("0704.0001", ArxivId("0704.0001")),
        ("1412.9999", ArxivId("1412.9999")),
        ("1501.00001", ArxivId("1501.00001")),
        ("2401.01234", ArxivId("2401.01234")),
        ("2401.01234v2", ArxivId("2401.01234", 2)),
        ("2401.01234v12", ArxivId("2401.01234", 12)),
        # Old style, with and without the subject class.
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9901001v3", ArxivId("hep-th/9901001", 3)),
        ("math.GT/0309136", ArxivId("math.GT/0309136")),
        ("math.GT/0309136v1", ArxivId("math.GT/0309136", 1)),
        ("hep-th/9108001", ArxivId("hep-th/9108001")),
        ("cond-mat/0703001", ArxivId("cond-mat/0703001")),
        ("solv-int/9901001", ArxivId("solv-int/9901001")),
        # Prefixes.
        ("arXiv:2401.01234", ArxivId("2401.01234")),
        ("arxiv:2401.01234v2", ArxivId("2401.01234", 2)),
        ("ARXIV:hep-th/9901001", ArxivId("hep-th/9901001")),
        ("oai:arXiv.org:2401.01234", ArxivId("2401.01234")),
        # URLs.
        ("https://arxiv.org/abs/2401.01234", ArxivId("2401.01234")),
        ("https://arxiv.org/abs/2401.01234v3", ArxivId("2401.01234", 3)),
        ("https://arxiv.org/abs/2401.01234/", ArxivId("2401.01234")),
        ("http://arxiv.org/abs/hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
        ("https://www.arxiv.org/abs/math.GT/0309136", ArxivId("math.GT/0309136")),
        ("https://export.arxiv.org/abs/2401.01234", ArxivId("2401.01234")),
        ("https://arxiv.org/pdf/2401.01234", ArxivId("2401.01234")),
        ("https://arxiv.org/pdf/2401.01234v2", ArxivId("2401.01234", 2)),
        ("https://arxiv.org/pdf/2401.01234.pdf", ArxivId("2401.01234")),
        ("https://arxiv.org/pdf/2401.01234v2.pdf", ArxivId("2401.01234", 2)),
        ("https://arxiv.org/pdf/hep-th/9901001v1.pdf", ArxivId("hep-th/9901001", 1)),
        ("https://arxiv.org/html/2401.01234v1", ArxivId("2401.01234", 1)),
        # Whitespace around the id.
        ("  2401.01234\n", ArxivId("2401.01234")),
        ("\t arXiv:2401.01234v2 ", ArxivId("2401.01234", 2)),
    ],
)
def test_parse_valid(raw: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(raw) == expected
    assert normalize_arxiv_id(raw) == expected.id


def test_str_is_the_bare_id() -> None:
    assert str(parse_arxiv_id("arXiv:2401.01234v5")) == "2401.01234"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # Month out of range, new and old style.
        ("2413.01234", "month 13"),
        ("2400.01234", "month 00"),
        ("hep-th/9913001", "month 13"),
        ("hep-th/9900001", "month 00"),
        # Digit count that does not fit the era.
        ("2401.1234", "five digits"),
        ("1501.1234", "five digits"),
        ("1412.12345", "four digits"),
        ("0704.00001", "four digits"),
        ("2401.012345", "not an arXiv id"),
        # Outside the era of the scheme.
        ("0612.1234", "start at 0704"),
        ("0001.0001", "start at 0704"),
        ("hep-th/0704001", "9108 to 0703"),
        ("hep-th/9107001", "9108 to 0703"),
        # Versions.
        ("2401.01234v0", "versions start at v1"),
        ("arXiv:hep-th/9901001v0", "versions start at v1"),
        ("2401.01234v", "not an arXiv id"),
        ("2401.01234 v2", "not an arXiv id"),
        # Path separators and traversal.
        ("../../etc/passwd", "not an arXiv id"),
        ("2401.01234/../../etc/passwd", "not an arXiv id"),
        ("hep-th/../9901001", "not an arXiv id"),
        ("/2401.01234", "not an arXiv id"),
        ("2401.01234\\x", "not an arXiv id"),
        ("hep-th//9901001", "not an arXiv id"),
        # Empty, overlong, junk.
        ("", "not an arXiv id"),
        ("   ", "not an arXiv id"),
        ("2401.01234" + "9" * 300, "at most"),
        ("x" * 201, "at most"),
        ("junk", "not an arXiv id"),
        ("arXiv:", "not an arXiv id"),
        ("https://arxiv.org/abs/", "not an arXiv id"),
        ("https://example.org/abs/2401.01234", "not an arXiv id"),
        ("HEP-TH/9901001", "not an arXiv id"),
        ("hep-th/990100", "not an arXiv id"),
        ("2401.01234\x00", "not an arXiv id"),
        ("2401.01234; DROP TABLE", "not an arXiv id"),
        # Digits from other scripts are not arXiv digits.
        ("\uff12\uff14\uff10\uff11.\uff10\uff11\uff12\uff13\uff14", "not an arXiv id"),
        ("\u0662\u0664\u0660\u0661.\u0660\u0661\u0662\u0663\u0664", "not an arXiv id"),
    ],
)
def test_parse_invalid(raw: str, message: str) -> None:
    with pytest.raises(InvalidArxivId, match=message):
        parse_arxiv_id(raw)
    with pytest.raises(InvalidArxivId):
        normalize_arxiv_id(raw)


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidArxivId, match="must be text"):
        parse_arxiv_id(20240101234)  # type: ignore[arg-type]


def test_invalid_id_is_a_value_error() -> None:
    """Callers that catch ValueError (form fields, URL converters) keep working."""
    with pytest.raises(ValueError):
        parse_arxiv_id("nope")
