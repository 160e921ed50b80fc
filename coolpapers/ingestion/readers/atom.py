"""Reader for arXiv API responses (export.arxiv.org/api/query): Atom feeds of search results.

The API is how single papers are looked up and how searches are backfilled; its feeds carry the
first and latest version dates but no announcement date, so records from here are never
"announced" by themselves.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, XMLParser

from coolpapers.ingestion.readers.common import build_record, parse_datetime
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id

if typing.TYPE_CHECKING:  # the type only: parsing always goes through defusedxml
    from xml.etree.ElementTree import Element

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
NS = {"atom": ATOM, "arxiv": ARXIV, "opensearch": OPENSEARCH}

# The API lists a paper's ACM and MSC classes as <category> terms next to the arXiv categories
# (e.g. term="I.2.9; J.3" or term="68T05"); they go to their own fields, not to categories.
_ACM_TERM = re.compile(r"^[A-K]\.[0-9m]")
_MSC_TERM = re.compile(r"^\d\d[A-Za-z-]")
_ERROR_ID = re.compile(r"^https?://arxiv\.org/api/errors\b")


class ArxivAPIError(Exception):
    """The API refused the query (bad id, bad syntax): retrying the same query will not help."""


@dataclass
class AtomPage:
    """One API response: its records plus the OpenSearch counters a pager needs."""

    records: list[PaperRecord | RejectedRecord]
    total_results: int | None
    start_index: int | None
    items_per_page: int | None


def parse_xml(data: bytes, source: str) -> Element:
    """Parse untrusted XML with defusedxml; any DOCTYPE, entity or syntax error fails the source.

    arXiv's feeds never carry a DOCTYPE, so refusing one outright also stops entity expansion
    (billion laughs) and external references before they start.
    """
    parser = XMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        return parser.close()
    except ParseError as exc:
        line, column = exc.position
        raise SourceError(source, f"line {line}, column {column}", ErrorString(exc.code)) from exc
    except DefusedXmlException as exc:
        expat = parser.parser
        position = f"line {expat.CurrentLineNumber}, column {expat.CurrentColumnNumber}"
        raise SourceError(source, position, f"refused: {exc!r}") from exc


def text_of(element: Element, path: str, namespaces: dict[str, str] = NS) -> str:
    """The text of the first `path` match, or "" when the source does not say."""
    found = element.find(path, namespaces)
    return (found.text or "") if found is not None else ""


def _identifier(raw_id: str, position: str) -> str:
    """What a RejectedRecord names: the bare arXiv id when readable, else the raw id or position."""
    try:
        return parse_arxiv_id(raw_id).id
    except InvalidArxivId:
        return raw_id or position


def _int_of(feed: Element, name: str, source: str) -> int | None:
    value = text_of(feed, f"opensearch:{name}").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise SourceError(source, f"opensearch:{name}", f"{value!r} is not a number") from None


def _entry(entry: Element, position: str) -> PaperRecord | RejectedRecord:
    raw_id = text_of(entry, "atom:id").strip()
    dates: dict[str, datetime | None] = {}
    for name in ("published", "updated"):
        value = text_of(entry, f"atom:{name}")
        try:
            dates[name] = parse_datetime(value)
        except (TypeError, ValueError):
            return RejectedRecord(_identifier(raw_id, position), f"bad {name} date {value!r}")
    primary = entry.find("arxiv:primary_category", NS)
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [c.get("term", "") for c in entry.findall("atom:category", NS)]
    categories, acm, msc = [], [], []
    for term in terms:
        if _ACM_TERM.match(term):
            acm.append(term)
        elif _MSC_TERM.match(term):
            msc.append(term)
        else:
            categories.append(term)
    return build_record(
        raw_id=raw_id,
        title=text_of(entry, "atom:title"),
        abstract=text_of(entry, "atom:summary"),
        authors=[text_of(author, "atom:name") for author in entry.findall("atom:author", NS)],
        categories=categories,
        position=position,
        comments=text_of(entry, "arxiv:comment"),
        journal_ref=text_of(entry, "arxiv:journal_ref"),
        doi=text_of(entry, "arxiv:doi"),
        acm_class="; ".join(acm),
        msc_class="; ".join(msc),
        submitted=dates["published"],
        updated=dates["updated"],
    )


def parse_atom_feed(data: bytes, source: str) -> AtomPage:
    """Parse one API response; an entry that fails validation is rejected, the rest go on.

    Raises ArxivAPIError for the API's error feed (which it sends with HTTP 400, and which
    also looks like a one-result page) and SourceError when the document is not a usable feed.
    """
    feed = parse_xml(data, source)
    if feed.tag != f"{{{ATOM}}}feed":
        raise SourceError(source, "document element", f"expected an Atom <feed>, got <{feed.tag}>")
    entries = feed.findall("atom:entry", NS)
    for entry in entries:
        if _ERROR_ID.match(text_of(entry, "atom:id").strip()):
            raise ArxivAPIError(text_of(entry, "atom:summary").strip() or "unspecified API error")
    return AtomPage(
        records=[_entry(entry, f"entry {i}") for i, entry in enumerate(entries, start=1)],
        total_results=_int_of(feed, "totalResults", source),
        start_index=_int_of(feed, "startIndex", source),
        items_per_page=_int_of(feed, "itemsPerPage", source),
    )


def read(stream: typing.BinaryIO, source: str) -> Iterator[PaperRecord | RejectedRecord]:
    """Records of a saved API response file (e.g. a backfill someone downloaded by hand)."""
    yield from parse_atom_feed(stream.read(), source).records


def looks_like(head: bytes) -> bool:
    """True for an arXiv API feed: an Atom <feed> naming OpenSearch or the API's own URL.

    The rss.arxiv.org daily feed's Atom flavour has neither, so it stays with the RSS reader.
    """
    return (
        b"<feed" in head
        and ATOM.encode() in head
        and (OPENSEARCH.encode() in head or b"arxiv.org/api" in head)
    )
