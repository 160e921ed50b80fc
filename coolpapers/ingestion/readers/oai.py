"""Reader for arXiv's OAI-PMH responses (export.arxiv.org/oai2): ListRecords and GetRecord pages
in the `arXiv` and `arXivRaw` metadata formats, parsed with defusedxml because the bytes come
from the network or from files users hand us."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, BinaryIO

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from coolpapers.ingestion.readers.common import (
    build_record,
    parse_date,
    parse_datetime,
    split_authors,
)
from coolpapers.ingestion.records import (
    PaperRecord,
    RejectedRecord,
    SourceError,
    VersionRecord,
)
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.text import squash

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"
ARXIV_RAW_NS = "http://arxiv.org/OAI/arXivRaw/"
NO_RECORDS_MATCH = "noRecordsMatch"

_ARXIV = f"{{{ARXIV_NS}}}arXiv"
_ARXIV_RAW = f"{{{ARXIV_RAW_NS}}}arXivRaw"
_VERSION = re.compile(r"v([1-9][0-9]*)")
_ROOT = re.compile(rb"<(?:[\w.-]+:)?OAI-PMH[\s>/]")


class OAIError(Exception):
    """An OAI-PMH <error> from the repository: the request was wrong, so retrying won't help."""

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(f"OAI-PMH error {code}: {message}")


@dataclass
class OAIPage:
    """One response: its records, and the token to ask for the rest (None once the list is done)."""

    records: list[PaperRecord | RejectedRecord] = field(default_factory=list)
    resumption_token: str | None = None
    complete_list_size: int | None = None
    cursor: int | None = None


class _Unreadable(Exception):
    """One field of one record cannot be read: that record is rejected, the page goes on."""


def _oai(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


def _text(element: Element | None) -> str:
    return "" if element is None else "".join(element.itertext())


def _child(element: Element, ns: str, name: str) -> str:
    return _text(element.find(f"{{{ns}}}{name}"))


def _parse_xml(data: bytes, source: str) -> Element:
    # OAI-PMH responses never carry a DTD, so refusing any DTD also refuses every entity trick
    # (billion laughs, external entities, external DTDs) before the parser acts on it.
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except SafeET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).rsplit(": line ", 1)[0]
        raise SourceError(
            source, f"line {line}, column {column}", f"not well-formed XML: {reason}"
        ) from exc
    except DefusedXmlException as exc:
        raise SourceError(
            source,
            "document type declaration",
            f"refused ({type(exc).__name__}): the document declares a DTD or entities, which an "
            "OAI-PMH response never does (entity expansion and external entities are not allowed)",
        ) from exc


def _known_id(raw_id: str, position: str) -> str:
    """The normalised id for a rejection when the id itself is fine, else what we have."""
    try:
        return parse_arxiv_id(raw_id).id
    except InvalidArxivId:
        return raw_id.strip() or position


def _midnight(value: str, name: str) -> datetime | None:
    try:
        day = parse_date(value)
    except ValueError as exc:
        raise _Unreadable(f"{name}: {value.strip()!r} is not a date (YYYY-MM-DD)") from exc
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def _arxiv_record(meta: Element, raw_id: str, position: str) -> PaperRecord | RejectedRecord:
    def get(name: str) -> str:
        return _child(meta, ARXIV_NS, name)

    authors = []
    for author in meta.iterfind(f"{{{ARXIV_NS}}}authors/{{{ARXIV_NS}}}author"):
        parts = (squash(_child(author, ARXIV_NS, p)) for p in ("forenames", "keyname", "suffix"))
        authors.append(" ".join(p for p in parts if p))
    return build_record(
        raw_id=raw_id,
        position=position,
        title=get("title"),
        abstract=get("abstract"),
        authors=authors,
        categories=get("categories").split(),
        comments=get("comments"),
        journal_ref=get("journal-ref"),
        doi=get("doi"),
        report_no=get("report-no"),
        license=get("license"),
        msc_class=get("msc-class"),
        acm_class=get("acm-class"),
        submitted=_midnight(get("created"), "created"),
        updated=_midnight(get("updated"), "updated"),
    )


def _raw_versions(meta: Element) -> list[VersionRecord]:
    versions = []
    for element in meta.iterfind(f"{{{ARXIV_RAW_NS}}}version"):
        label = element.get("version", "")
        match = _VERSION.fullmatch(label.strip())
        if not match:
            raise _Unreadable(f"version: {label!r} is not a version number like 'v1'")
        number = int(match.group(1))
        date_text = _child(element, ARXIV_RAW_NS, "date")
        try:
            submitted = parse_datetime(date_text)
        except (TypeError, ValueError) as exc:
            raise _Unreadable(
                f"version v{number} date: {date_text.strip()!r} is not a date"
            ) from exc
        if submitted is None:
            raise _Unreadable(f"version v{number} has no date")
        size = squash(_child(element, ARXIV_RAW_NS, "size"))
        versions.append(VersionRecord(number, submitted, size))
    return versions


def _raw_record(meta: Element, raw_id: str, position: str) -> PaperRecord | RejectedRecord:
    def get(name: str) -> str:
        return _child(meta, ARXIV_RAW_NS, name)

    return build_record(
        raw_id=raw_id,
        position=position,
        title=get("title"),
        abstract=get("abstract"),
        authors=split_authors(get("authors")),
        categories=get("categories").split(),
        comments=get("comments"),
        journal_ref=get("journal-ref"),
        doi=get("doi"),
        report_no=get("report-no"),
        license=get("license"),
        msc_class=get("msc-class"),
        acm_class=get("acm-class"),
        versions=_raw_versions(meta),
    )


def _read_record(record: Element, position: str) -> PaperRecord | RejectedRecord | None:
    """One <record>; None for a deleted one (it has no metadata to store)."""
    header = record.find(_oai("header"))
    if header is not None and header.get("status") == "deleted":
        return None
    header_id = "" if header is None else _child(header, OAI_NS, "identifier")
    metadata = record.find(_oai("metadata"))
    meta = None if metadata is None else next(iter(metadata), None)
    if meta is None or meta.tag not in (_ARXIV, _ARXIV_RAW):
        return RejectedRecord(
            _known_id(header_id, position), "no metadata in the arXiv or arXivRaw format"
        )
    ns = ARXIV_NS if meta.tag == _ARXIV else ARXIV_RAW_NS
    raw_id = _child(meta, ns, "id").strip() or header_id
    try:
        if meta.tag == _ARXIV:
            return _arxiv_record(meta, raw_id, position)
        return _raw_record(meta, raw_id, position)
    except _Unreadable as exc:
        return RejectedRecord(_known_id(raw_id, position), str(exc))


def _int_attribute(element: Element, name: str) -> int | None:
    # cursor and completeListSize only inform progress; a bad value is treated as absent
    # rather than losing the page's records over it.
    try:
        return int(element.get(name, ""))
    except ValueError:
        return None


def parse_oai_page(data: bytes, source: str) -> OAIPage:
    """Parse one ListRecords or GetRecord response. A bad record is rejected, never raised;
    an OAI <error> raises OAIError, except noRecordsMatch, which is just an empty list."""
    root = _parse_xml(data, source)
    if root.tag != _oai("OAI-PMH"):
        raise SourceError(
            source, "root element", f"not an OAI-PMH response (root element is {root.tag!r})"
        )
    errors = root.findall(_oai("error"))
    for error in errors:
        code = error.get("code", "")
        if code != NO_RECORDS_MATCH:
            raise OAIError(code, squash(_text(error)))
    if errors:
        return OAIPage()
    body = root.find(_oai("ListRecords"))
    if body is None:
        body = root.find(_oai("GetRecord"))
    if body is None:
        raise SourceError(source, "OAI-PMH", "the response holds neither ListRecords nor GetRecord")
    records = []
    for number, element in enumerate(body.iterfind(_oai("record")), start=1):
        record = _read_record(element, f"record {number}")
        if record is not None:
            records.append(record)
    page = OAIPage(records)
    token = body.find(_oai("resumptionToken"))
    if token is not None:
        # An empty token element is how OAI-PMH says the list is complete.
        page.resumption_token = _text(token).strip() or None
        page.cursor = _int_attribute(token, "cursor")
        page.complete_list_size = _int_attribute(token, "completeListSize")
    return page


def read(stream: BinaryIO, source: str) -> Iterator[PaperRecord | RejectedRecord]:
    """File reader for `ingest_arxiv --format oai`: one saved response. The whole page is parsed
    before the first record is yielded, so a broken file yields nothing; a saved OAI error
    response is a SourceError, since the file as a whole holds no records."""
    try:
        page = parse_oai_page(stream.read(), source)
    except OAIError as exc:
        raise SourceError(source, "error", str(exc)) from exc
    yield from page.records


def looks_like(head: bytes) -> bool:
    """True when the first bytes look like an OAI-PMH document (for --format auto)."""
    return bool(_ROOT.search(head)) and OAI_NS.encode() in head
