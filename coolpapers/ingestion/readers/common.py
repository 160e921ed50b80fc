"""What every reader shares: author splitting, date parsing, and build_record, the one place where
every text field of a record is cleaned and checked."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from coolpapers.ingestion.records import PaperRecord, RejectedRecord, VersionRecord
from coolpapers.papers.announcements import ANNOUNCE_KINDS, ANNOUNCE_NEW
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.taxonomy import CATEGORY_BY_CODE
from coolpapers.papers.text import clean_text, squash

MAX_TITLE = 2_000
MAX_ABSTRACT = 20_000
MAX_AUTHORS = 5_000
MAX_VERSION = 1_000  # arXiv's most revised papers have a few dozen versions
# The columns with a length limit (PostgreSQL refuses a longer value, the whole batch with it).
MAX_LENGTH = {"doi": 500, "license": 300, "msc_class": 500, "acm_class": 500}
MAX_SIZE = 32  # Version.size


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
    """Clean, validate and normalise one record; a record that fails names its id and the reason.

    Every reader goes through here, so this is where every text field loses what the database
    or an XML feed cannot hold (see clean_text), and where a category outside arXiv's taxonomy
    is refused (as primary: the record is rejected) or dropped (as a cross-list), never
    created."""
    if isinstance(raw_id, str):
        raw_id = clean_text(raw_id)
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
        # The abstract keeps its line breaks (paragraphs); every other field is one line.
        fields[name] = clean_text(value or "")
        fields[name] = fields[name].strip() if name == "abstract" else squash(fields[name])
    title, abstract = fields["title"], fields["abstract"]
    if not title:
        return reject("missing title")
    if not abstract:
        return reject("missing abstract")
    if len(title) > MAX_TITLE:
        return reject(f"title is {len(title)} characters (at most {MAX_TITLE})")
    if len(abstract) > MAX_ABSTRACT:
        return reject(f"abstract is {len(abstract)} characters (at most {MAX_ABSTRACT})")
    for name, limit in MAX_LENGTH.items():
        if len(fields[name]) > limit:
            return reject(f"{name} is {len(fields[name])} characters (at most {limit})")
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        return reject("authors must be a list of names")
    # Some scraped sources lost the author list of a few real papers: keep the paper anyway.
    authors = [name for name in (squash(clean_text(a)) for a in authors) if name]
    if len(authors) > MAX_AUTHORS:
        return reject(f"{len(authors)} authors (at most {MAX_AUTHORS})")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        return reject("categories must be a list of category codes")
    codes = [code for code in (clean_text(c).strip() for c in categories) if code]
    if not codes:
        return reject("no categories")
    if codes[0] not in CATEGORY_BY_CODE:  # misspelled, made up, or arXiv added it: see taxonomy
        return reject(f"{codes[0][:40]!r} is not an arXiv category")
    # A cross-list code outside the taxonomy is dropped, never created: real records carry
    # scraper junk there (2505.21558 lists "cs.CV cs.AI cs.LG na"), and the paper is still
    # the primary category's.
    cats: list[str] = []
    for cat in codes:
        if cat in CATEGORY_BY_CODE and cat not in cats:
            cats.append(cat)
    if announce_kind not in ANNOUNCE_KINDS:
        return reject(f"unknown announcement type {announce_kind!r}")
    versions = sorted(
        (replace(v, size=squash(clean_text(v.size))) for v in versions or []),
        key=lambda v: v.number,
    )
    if version is None and parsed.version is not None:
        version = parsed.version
    for number in [version or 1, *(v.number for v in versions)]:
        if not 1 <= number <= MAX_VERSION:
            return reject(f"version {number} is not a version number (1 to {MAX_VERSION})")
    for v in versions:
        if len(v.size) > MAX_SIZE:
            return reject(f"v{v.number} size is {len(v.size)} characters (at most {MAX_SIZE})")
    return PaperRecord(
        arxiv_id=ident,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=cats,
        comments=fields["comments"],
        journal_ref=fields["journal_ref"],
        doi=fields["doi"],
        report_no=fields["report_no"],
        license=fields["license"],
        msc_class=fields["msc_class"],
        acm_class=fields["acm_class"],
        versions=versions,
        version=version,
        submitted=submitted,
        updated=updated,
        announced=announced,
        announce_kind=announce_kind,
    )
