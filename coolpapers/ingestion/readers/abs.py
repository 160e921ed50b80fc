"""arXiv's own `.abs` metadata files, one paper each, alone or packed in a .tar/.tar.gz.

A file is a line of dashes, `\\\\`, a header block ("arXiv:0704.0001" or "Paper: ...", "From:",
one "Date:" line per version with its size, "Title:", "Authors:", ...; a value continues on
lines that start with whitespace), `\\\\`, the abstract, and a closing `\\\\`.
"""

from __future__ import annotations

import re
import tarfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from coolpapers.ingestion.readers.common import build_record, parse_datetime, split_authors
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError, VersionRecord

MAX_ABS_BYTES = 1024 * 1024  # real .abs files are a few KB; bounds memory on a wrong file
_SEPARATOR = "\\\\"
_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9 ()-]*):\s*(.*)")
_DATE_KEY = re.compile(r"Date(?: \(revised v([1-9]\d*)\))?")
_DATE_VALUE = re.compile(r"(.*?)\s*\((\d+kb)[^)]*\)")  # "Mon, 2 Apr 2007 19:18:42 GMT   (443kb,D)"
_LOOKS_LIKE = re.compile(rb"\A\s*-{20,}\s*\n(?:.*\n){0,3}?(?:Paper:|arXiv:)")
# arXiv keeps the .abs of superseded versions as orig/.../<id>vN.abs; the current one is <id>.abs.
_SUPERSEDED = re.compile(r"v\d+\.abs$")
_REQUIRED = ("Title", "Authors", "Categories")


def looks_like(head: bytes) -> bool:
    """True when the bytes start like an .abs file: a line of dashes, then the id header."""
    return bool(_LOOKS_LIKE.match(head))


def read(stream: BinaryIO, source: str) -> Iterator[PaperRecord | RejectedRecord]:
    """The one record of a single .abs file (a RejectedRecord naming what is missing)."""
    data = stream.read(MAX_ABS_BYTES + 1)
    if len(data) > MAX_ABS_BYTES:
        yield RejectedRecord(source, f"larger than {MAX_ABS_BYTES} bytes: not an .abs file")
    else:
        yield parse(data, source)


def read_tar(stream: BinaryIO, source: str) -> Iterator[PaperRecord | RejectedRecord]:
    """The records of every current-version .abs member of a .tar or .tar.gz, streamed (the
    archive is never unpacked or seeked). Superseded versions' files (`<id>vN.abs`) are skipped:
    they would overwrite a paper's current metadata with an older one."""
    position = "start"
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as archive:
            for member in archive:
                position = f"member {member.name}"
                if (
                    not member.isfile()
                    or not member.name.endswith(".abs")
                    or _SUPERSEDED.search(member.name)
                ):
                    continue
                if member.size > MAX_ABS_BYTES:
                    yield RejectedRecord(member.name, f"larger than {MAX_ABS_BYTES} bytes")
                    continue
                content = archive.extractfile(member)
                yield parse(content.read() if content else b"", member.name)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise SourceError(source, position, f"unreadable tar archive: {exc}") from exc


def parse(data: bytes, source: str) -> PaperRecord | RejectedRecord:
    """One .abs file's bytes as a record; `source` names it in a rejection without an id."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # older .abs files are Latin-1
    if not text.strip():
        return RejectedRecord(source, "empty file")
    lines = text.replace("\r\n", "\n").split("\n")
    separators = [i for i, line in enumerate(lines) if line.rstrip() == _SEPARATOR]
    if len(separators) < 2:
        return RejectedRecord(source, "not an .abs file: no header block between \\\\ lines")
    header = _header(lines[separators[0] + 1 : separators[1]])
    # The abstract may itself hold "\\" lines (LaTeX line breaks): it ends at the last one.
    end = separators[-1] if len(separators) > 2 else len(lines)
    abstract = "\n".join(lines[separators[1] + 1 : end])
    raw_id = header.get("arXiv") or header.get("Paper")
    if not raw_id:
        return RejectedRecord(source, "missing arXiv: (or Paper:) header")
    for name in _REQUIRED:
        if not header.get(name):
            return RejectedRecord(raw_id, f"missing {name}: header")
    try:
        versions = _versions(header)
    except ValueError as exc:
        return RejectedRecord(raw_id, str(exc))
    return build_record(
        raw_id=raw_id,
        title=header["Title"],
        abstract=abstract,
        authors=split_authors(header["Authors"]),
        categories=header["Categories"].split(),
        position=source,
        comments=header.get("Comments", ""),
        journal_ref=header.get("Journal-ref", ""),
        doi=header.get("DOI", ""),
        report_no=header.get("Report-no", ""),
        license=header.get("License", ""),
        msc_class=header.get("MSC-class", ""),
        acm_class=header.get("ACM-class", ""),
        versions=versions,
    )


def _header(lines: list[str]) -> dict[str, str]:
    """ "Key: value" lines, with indented continuation lines joined to the value."""
    fields: dict[str, str] = {}
    key = None
    for line in lines:
        if not line.strip():
            key = None
        elif line[0] in " \t":
            if key:
                fields[key] += " " + line.strip()
        elif match := _FIELD.fullmatch(line):
            key = match.group(1)
            fields[key] = match.group(2).strip()
        else:
            key = None
    return fields


def _versions(header: dict[str, str]) -> list[VersionRecord]:
    """One version per "Date:" / "Date (revised vN):" header, with the size arXiv gives."""
    versions = []
    for key, value in header.items():
        key_match = _DATE_KEY.fullmatch(key)
        if not key_match:
            continue
        value_match = _DATE_VALUE.match(value)
        date_text, size = value_match.groups() if value_match else (value, "")
        try:
            submitted = parse_datetime(date_text)
        except (ValueError, TypeError):
            submitted = None
        if submitted is None:
            raise ValueError(f"{key}: header {value!r} has no valid date")
        versions.append(VersionRecord(int(key_match.group(1) or 1), submitted, size))
    return versions
