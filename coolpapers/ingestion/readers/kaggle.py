"""The Kaggle "arxiv-metadata-oai-snapshot": all of arXiv as JSON lines (4.5 GB), or as a CSV with
the same columns.

Readers take an already-decompressed binary stream (the caller unpacks .gz/.zip) and stream it
record by record.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from coolpapers.ingestion.readers.common import build_record, parse_datetime, split_authors
from coolpapers.ingestion.readers.jsonl import first_line_keys, iter_json_lines, null_as_empty
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError, VersionRecord

_VERSION_LABEL = re.compile(r"v([1-9]\d*)")
_CSV_COLUMNS = {"id", "title", "abstract", "authors", "categories", "versions"}
_MAX_CSV_FIELD = 16 * 1024 * 1024  # the default 128 KiB is less than a big collaboration's authors
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape


def looks_like(head: bytes) -> bool:
    """True when the first line is a Kaggle snapshot record."""
    keys = first_line_keys(head)
    return "id" in keys and bool(keys & {"versions", "authors_parsed", "submitter"})


def read(stream: BinaryIO, source: str) -> Iterator[PaperRecord | RejectedRecord]:
    """Records of a Kaggle JSON-lines snapshot, one paper per line."""
    for number, item in iter_json_lines(stream, source):
        if isinstance(item, RejectedRecord):
            yield item
        else:
            yield _record(item, item.get("versions"), item.get("authors_parsed"), f"line {number}")


def read_csv(stream: BinaryIO, source: str) -> Iterator[PaperRecord | RejectedRecord]:
    """Records of a CSV with the Kaggle columns, where `versions` and `authors_parsed` are Python
    reprs ("[{'version': 'v1', ...}]"), read with ast.literal_eval, never eval."""
    csv.field_size_limit(max(csv.field_size_limit(), _MAX_CSV_FIELD))
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
    rows = csv.reader(text, strict=True)
    try:
        try:
            columns = next(rows, [])
            missing = _CSV_COLUMNS.difference(columns)
            if missing:
                raise SourceError(
                    source, "line 1", f"not a Kaggle CSV: no {', '.join(sorted(missing))}"
                )
            for number, row in enumerate(rows, 1):
                if row:
                    yield _csv_record(
                        dict(zip(columns, row, strict=False)),
                        len(row),
                        len(columns),
                        f"row {number}",
                    )
        except csv.Error as exc:
            raise SourceError(source, f"line {rows.line_num}", f"bad CSV: {exc}") from exc
    finally:
        text.detach()  # the caller owns the stream: do not close it with the wrapper


def _csv_record(
    row: dict[str, str], width: int, expected: int, position: str
) -> PaperRecord | RejectedRecord:
    identifier = row.get("id", "")
    if not identifier or _UNDECODABLE.search(identifier):
        identifier = position
    if width != expected:
        return RejectedRecord(identifier, f"{position} has {width} columns, expected {expected}")
    if any(_UNDECODABLE.search(value) for value in row.values()):
        return RejectedRecord(identifier, f"{position} is not valid UTF-8")
    try:
        versions = _literal(row["versions"])
    except ValueError as exc:
        return RejectedRecord(identifier, f"bad versions: {exc}")
    try:
        authors_parsed = _literal(row.get("authors_parsed", ""))
    except ValueError:
        authors_parsed = None  # the free-text authors column says the same
    return _record(row, versions, authors_parsed, position)


def _literal(text: str) -> Any:
    """A Python literal, or None for an empty cell; ValueError when it is not a literal."""
    if not text.strip():
        return None
    try:
        return ast.literal_eval(text)
    # Deep nesting raises SyntaxError, RecursionError or (older parsers) MemoryError.
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not a Python literal ({type(exc).__name__}: {exc})") from None


def _record(
    item: dict[Any, Any], versions: Any, authors_parsed: Any, position: str
) -> PaperRecord | RejectedRecord:
    raw_id = item.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        return RejectedRecord(position, "missing id")
    try:
        version_records = _versions(versions)
    except ValueError as exc:
        return RejectedRecord(raw_id, f"bad versions: {exc}")
    categories = item.get("categories")
    return build_record(
        raw_id=raw_id,
        title=null_as_empty(item.get("title")),
        abstract=null_as_empty(item.get("abstract")),
        authors=_authors(authors_parsed, item.get("authors")),
        categories=categories.split() if isinstance(categories, str) else null_as_empty(categories),
        position=position,
        comments=null_as_empty(item.get("comments")),
        journal_ref=null_as_empty(item.get("journal-ref")),
        doi=null_as_empty(item.get("doi")),
        report_no=null_as_empty(item.get("report-no")),
        license=null_as_empty(item.get("license")),
        versions=version_records,
    )


def _versions(value: Any) -> list[VersionRecord]:
    """[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...] as VersionRecords."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    versions = []
    for entry in value:
        label = entry.get("version") if isinstance(entry, dict) else None
        created = entry.get("created") if isinstance(entry, dict) else None
        match = _VERSION_LABEL.fullmatch(label) if isinstance(label, str) else None
        if not match or not isinstance(created, str):
            raise ValueError(f"{str(entry)[:80]!r} is not a version")
        try:
            submitted = parse_datetime(created)
        except (ValueError, TypeError):
            submitted = None
        if submitted is None:
            raise ValueError(f"{label} has no valid date ({created[:40]!r})")
        versions.append(VersionRecord(number=int(match.group(1)), submitted=submitted))
    return versions


def _authors(parsed: Any, text: Any) -> Any:
    """Names from authors_parsed ([last, first, suffix, affiliation...]) as "first last suffix";
    the free-text authors field when authors_parsed is missing or malformed."""
    if (
        isinstance(parsed, list)
        and parsed
        and all(isinstance(name, list) and all(isinstance(p, str) for p in name) for name in parsed)
    ):
        names = []
        for name in parsed:
            last, first, suffix = ([*name, "", "", ""])[:3]
            names.append(" ".join(part for part in (first, last, suffix) if part.strip()))
        return names
    return split_authors(text) if isinstance(text, str) else null_as_empty(text)
