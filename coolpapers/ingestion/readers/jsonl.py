"""JSON-lines dumps: the line decoding every JSON-lines reader shares, and the daily-arXiv corpus.

Readers take an already-decompressed binary stream (the caller opens .gz files with gzip.open)
and read it line by line, so a dump of any size is never held in memory.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from coolpapers.ingestion.readers.common import build_record, parse_date, split_authors
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError
from coolpapers.papers.announcements import ANNOUNCE_NEW
from coolpapers.papers.text import clean_text

MAX_LINE = 16 * 1024 * 1024  # far above any real record; bounds memory on a file without newlines
_GZIP_MAGIC = b"\x1f\x8b"
_ID_HINT = re.compile(rb'"id"\s*:\s*"([\w./-]{1,64})"')
_KEY = re.compile(rb'"([A-Za-z_][\w-]*)"\s*:')
# The daily-arXiv scraper appends the listing's MSC and ACM classes to `categories`
# ("68T45", "I.2.10; J.3"); only real category codes are categories.
_CATEGORY_CODE = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z-]+)?")


def iter_json_lines(
    stream: BinaryIO, source: str
) -> Iterator[tuple[int, dict[str, Any] | RejectedRecord]]:
    """Yield (line number, object) for each non-empty line, or a RejectedRecord for a bad line so
    the rest of the file goes on.

    The first non-empty line must be a JSON object: otherwise the file is not JSON lines (HTML,
    XML, still gzip-compressed...) and SourceError fails the job. A last line without a newline
    that does not parse means the file was cut off: SourceError too, since records are missing.
    """
    number = 0
    checked_first = False
    while raw := stream.readline(MAX_LINE):
        number += 1
        if len(raw) == MAX_LINE and not raw.endswith(b"\n"):
            _skip_rest_of_line(stream)
            value, problem, complete = None, f"line longer than {MAX_LINE} bytes", True
        else:
            if not checked_first:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw.strip():
                continue
            value, problem = _decode(raw)
            complete = raw.endswith(b"\n")
        if value is not None:
            checked_first = True
            yield number, value
            continue
        if not complete and (checked_first or raw.lstrip().startswith(b"{")):
            raise SourceError(source, f"line {number}", f"truncated: {problem}")
        if not checked_first:
            if raw.startswith(_GZIP_MAGIC):
                problem = "gzip-compressed data (decompress it first)"
            raise SourceError(source, f"line {number}", f"not JSON lines: {problem}")
        hint = _ID_HINT.search(raw)
        yield number, RejectedRecord(hint.group(1).decode() if hint else f"line {number}", problem)


def _decode(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """The parsed value, or None and why the line is unusable."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return None, f"invalid UTF-8: {exc}"
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc}"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    if not isinstance(value, dict):
        return None, f"invalid JSON: expected an object, got {type(value).__name__}"
    # A "\ud800" escape decodes to a lone surrogate, which no database can store as UTF-8.
    if (b"\\ud" in raw or b"\\uD" in raw) and _has_lone_surrogate(value):
        return None, "invalid JSON: unpaired surrogate escape"
    return value, ""


def _has_lone_surrogate(value: dict[str, Any]) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while (chunk := stream.readline(MAX_LINE)) and not chunk.endswith(b"\n"):
        pass


def first_line_keys(head: bytes) -> set[str]:
    """The keys of the first object in a JSON-lines file's first bytes, to sniff its format; when
    the head cuts that line short, the keys seen so far."""
    line = head.removeprefix(codecs.BOM_UTF8).lstrip().split(b"\n", 1)[0]
    if not line.startswith(b"{"):
        return set()
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return {key.decode() for key in _KEY.findall(line)}
    return set(value) if isinstance(value, dict) else set()


def looks_like(head: bytes) -> bool:
    """True for the daily-arXiv corpus format (its records carry the announcement date)."""
    return bool(first_line_keys(head) & {"announce_date", "primary_category"})


def read(stream: BinaryIO, source: str) -> Iterator[PaperRecord | RejectedRecord]:
    """Records of a daily-arXiv JSON-lines file (one announced paper per line)."""
    for number, item in iter_json_lines(stream, source):
        yield item if isinstance(item, RejectedRecord) else _record(item, f"line {number}")


def _record(item: dict[str, Any], position: str) -> PaperRecord | RejectedRecord:
    raw_id = item.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        return RejectedRecord(position, "missing id")
    announce_date = item.get("announce_date")
    try:
        announced = parse_date(announce_date) if isinstance(announce_date, str) else None
    except ValueError:
        return RejectedRecord(raw_id, f"announce_date {announce_date!r} is not a date")
    authors = item.get("authors")
    comment = item.get("comment")
    return build_record(
        raw_id=raw_id,
        title=null_as_empty(item.get("title")),
        abstract=null_as_empty(item.get("abstract")),
        authors=split_authors(authors) if isinstance(authors, str) else authors,
        categories=_categories(item.get("categories"), item.get("primary_category")),
        position=position,
        comments="" if comment == "None" else null_as_empty(comment),
        announced=announced,
        announce_kind=ANNOUNCE_NEW,
    )


def null_as_empty(value: Any) -> Any:
    """JSON null means "not given"; any other non-text value is left for build_record to reject."""
    return "" if value is None else value


def _categories(categories: Any, primary: Any) -> Any:
    """Primary category first, then the cross-lists; non-list values are left for build_record."""
    if categories is None:
        categories = []
    if not isinstance(categories, list):
        return categories
    codes = [
        c
        for c in categories
        if not isinstance(c, str) or _CATEGORY_CODE.fullmatch(clean_text(c).strip())
    ]
    if isinstance(primary, str) and primary.strip():
        primary = primary.strip()
        codes = [primary, *(c for c in codes if c != primary)]
    return codes
