"""What every reader shares: author splitting, date parsing and the checks a record must pass."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from coolpapers.ingestion.records import (
    ANNOUNCE_KINDS,
    ANNOUNCE_NEW,
    PaperRecord,
    RejectedRecord,
    VersionRecord,
)
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.text import squash

MAX_TITLE = 2_000
MAX_ABSTRACT = 20_000
MAX_AUTHORS = 5_000
_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z-]+)?$")
_AUTHOR_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*;\s*", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def split_authors(text: str) -> list[str]:
    """Split arXiv's free-text author line ("A, B, and C") into names, keeping affiliations' text
    in parentheses attached to the name they follow."""
    text = squash(text)
    names: list[str] = []
    depth = 0
    start = 0
    pieces: list[str] = []
    # Do not split inside parentheses (affiliations may contain commas).
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in ",;":
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    for piece in pieces:
        for name in re.split(r"\s+and\s+(?![^()]*\))", piece.strip()):
            name = re.sub(r"^and\s+", "", name.strip(), flags=re.IGNORECASE)
            if name:
                names.append(name)
    return names


def parse_date(value: str | None) -> date | None:
    """YYYY-MM-DD, or None when empty."""
    if not value or not value.strip():
        return None
    return date.fromisoformat(value.strip()[:10])


def parse_datetime(value: str | None) -> datetime | None:
    """RFC 2822 ("Tue, 3 Apr 2007 22:04:11 GMT"), ISO 8601 or a bare date, always aware (UTC)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = parsedate_to_datetime(value)  # raises ValueError/TypeError when not a date
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def build_record(
    *,
    raw_id: str,
    title: str,
    abstract: str,
    authors: list[str],
    categories: list[str],
    position: str,
    comments: str = "",
    journal_ref: str = "",
    doi: str = "",
    report_no: str = "",
    license: str = "",
    msc_class: str = "",
    acm_class: str = "",
    versions: list[VersionRecord] | None = None,
    version: int | None = None,
    submitted: datetime | None = None,
    updated: datetime | None = None,
    announced: date | None = None,
    announce_kind: str = ANNOUNCE_NEW,
) -> PaperRecord | RejectedRecord:
    """Validate and normalise one record; a record that fails names its id and the reason."""
    try:
        parsed = parse_arxiv_id(raw_id or "")
    except InvalidArxivId as exc:
        return RejectedRecord(raw_id or position, str(exc))
    ident = parsed.id

    def reject(reason: str) -> RejectedRecord:
        return RejectedRecord(ident, reason)

    fields = {
        "title": title,
        "abstract": abstract,
        "comments": comments,
        "journal_ref": journal_ref,
        "doi": doi,
        "report_no": report_no,
        "license": license,
        "msc_class": msc_class,
        "acm_class": acm_class,
    }
    for name, value in fields.items():
        if value is not None and not isinstance(value, str):
            return reject(f"{name} must be text, got {type(value).__name__}")
        if value and _CONTROL.search(value):
            # arXiv's own data has stray control bytes (a DEL where TeX had \"): drop them.
            fields[name] = _CONTROL.sub("", value)
    title = squash(fields["title"])
    abstract = (fields["abstract"] or "").strip()
    if not title:
        return reject("missing title")
    if not abstract:
        return reject("missing abstract")
    if len(title) > MAX_TITLE:
        return reject(f"title is {len(title)} characters (at most {MAX_TITLE})")
    if len(abstract) > MAX_ABSTRACT:
        return reject(f"abstract is {len(abstract)} characters (at most {MAX_ABSTRACT})")
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        return reject("authors must be a list of names")
    # Some scraped sources lost the author list of a few real papers: keep the paper anyway.
    authors = [squash(a) for a in authors if a and a.strip()]
    if len(authors) > MAX_AUTHORS:
        return reject(f"{len(authors)} authors (at most {MAX_AUTHORS})")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        return reject("categories must be a list of category codes")
    cats: list[str] = []
    for cat in categories:
        cat = cat.strip()
        if not cat:
            continue
        if not _CATEGORY.match(cat) or len(cat) > 32:
            return reject(f"{cat!r} is not an arXiv category")
        if cat not in cats:
            cats.append(cat)
    if not cats:
        return reject("no categories")
    if announce_kind not in ANNOUNCE_KINDS:
        return reject(f"unknown announcement type {announce_kind!r}")
    versions = sorted(versions or [], key=lambda v: v.number)
    if version is None and parsed.version is not None:
        version = parsed.version
    return PaperRecord(
        arxiv_id=ident,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=cats,
        comments=squash(fields["comments"]),
        journal_ref=squash(fields["journal_ref"]),
        doi=squash(fields["doi"]),
        report_no=squash(fields["report_no"]),
        license=squash(fields["license"]),
        msc_class=squash(fields["msc_class"]),
        acm_class=squash(fields["acm_class"]),
        versions=versions,
        version=version,
        submitted=submitted,
        updated=updated,
        announced=announced,
        announce_kind=announce_kind,
    )
