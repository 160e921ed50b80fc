"""Reader for rss.arxiv.org daily announcement feeds, in both their RSS 2.0 and Atom flavours.

The daily feed is the only source that says *when* and *how* (new, cross-list, replacement) a
paper was announced, which is what the daily listing pages are built from.

What the real feeds show (tests/fixtures/arxiv/rss/): an item's categories are listed with the
paper's primary category first, not alphabetically and not the feed's own category first; a
cross-list into cs.LG lists e.g. "hep-ph, cs.LG, hep-ex". Both flavours carry the same fields:
the description/summary starts "arXiv:<id>v<N> Announce Type: <kind>" and the abstract follows
"Abstract:"; authors are one comma-separated dc:creator; dc:rights is the licence URL; and
arxiv:DOI / arxiv:journal_reference appear only when the paper has them.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

from coolpapers.ingestion.readers.atom import ARXIV, ATOM, parse_xml, text_of
from coolpapers.ingestion.readers.common import build_record, parse_datetime, split_authors
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError
from coolpapers.papers.announcements import ANNOUNCE_CROSS, ANNOUNCE_NEW, ANNOUNCE_REPLACE

if typing.TYPE_CHECKING:  # the type only: parsing always goes through defusedxml
    from xml.etree.ElementTree import Element

DC = "http://purl.org/dc/elements/1.1/"
NS = {"atom": ATOM, "arxiv": ARXIV, "dc": DC}
# arXiv announces on its own (US Eastern) calendar: 20:00 ET mailings belong to the next day.
ARXIV_TZ = ZoneInfo("America/New_York")
ANNOUNCE_TYPES = {
    "new": ANNOUNCE_NEW,
    "cross": ANNOUNCE_CROSS,
    "replace": ANNOUNCE_REPLACE,
    "replace-cross": ANNOUNCE_REPLACE,
}
_HEADER = re.compile(r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<kind>\S+)\s*(?:Abstract:)?")


def _announced(value: str, source: str, where: str) -> date:
    try:
        moment = parse_datetime(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None:
        raise SourceError(source, where, f"no usable announcement date ({value!r})")
    return moment.astimezone(ARXIV_TZ).date()


def _item(
    *,
    description: str,
    guid: str,
    title: str,
    creators: str,
    categories: list[str],
    element: Element,
    announced: date,
    position: str,
) -> PaperRecord | RejectedRecord:
    header = _HEADER.match(description)
    raw_id = header["id"] if header else guid.strip()
    kind = text_of(element, "arxiv:announce_type", NS).strip() or (header["kind"] if header else "")
    return build_record(
        raw_id=raw_id,
        title=title,
        abstract=description[header.end() :] if header else description,
        authors=split_authors(creators),
        categories=categories,
        position=position,
        journal_ref=text_of(element, "arxiv:journal_reference", NS),
        doi=text_of(element, "arxiv:DOI", NS),
        license=text_of(element, "dc:rights", NS),
        announced=announced,
        announce_kind=ANNOUNCE_TYPES.get(kind, kind),  # build_record rejects unknown kinds
    )


def _rss_items(channel: Element, source: str) -> list[PaperRecord | RejectedRecord]:
    announced = _announced(text_of(channel, "pubDate", NS), source, "channel pubDate")
    return [
        _item(
            description=text_of(item, "description", NS),
            guid=text_of(item, "guid", NS),
            title=text_of(item, "title", NS),
            creators=text_of(item, "dc:creator", NS),
            categories=[c.text or "" for c in item.findall("category")],
            element=item,
            announced=announced,
            position=f"item {i}",
        )
        for i, item in enumerate(channel.findall("item"), start=1)
    ]


def _atom_entries(feed: Element, source: str) -> list[PaperRecord | RejectedRecord]:
    announced = _announced(text_of(feed, "atom:updated", NS), source, "feed updated")
    return [
        _item(
            description=text_of(entry, "atom:summary", NS),
            guid=text_of(entry, "atom:id", NS),
            title=text_of(entry, "atom:title", NS),
            creators=text_of(entry, "dc:creator", NS),
            categories=[c.get("term", "") for c in entry.findall("atom:category", NS)],
            element=entry,
            announced=announced,
            position=f"entry {i}",
        )
        for i, entry in enumerate(feed.findall("atom:entry", NS), start=1)
    ]


def parse_feed(data: bytes, source: str) -> list[PaperRecord | RejectedRecord]:
    """Parse one day's feed; every record carries the feed's announcement date (US Eastern)."""
    root = parse_xml(data, source)
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise SourceError(source, "document element", "RSS feed without a <channel>")
        return _rss_items(channel, source)
    if root.tag == f"{{{ATOM}}}feed":
        return _atom_entries(root, source)
    raise SourceError(
        source, "document element", f"expected <rss> or an Atom <feed>, got <{root.tag}>"
    )


def read(stream: typing.BinaryIO, source: str) -> Iterator[PaperRecord | RejectedRecord]:
    """Records of a saved daily feed file, e.g. to replay a day that was missed."""
    yield from parse_feed(stream.read(), source)


def looks_like(head: bytes) -> bool:
    """True for an rss.arxiv.org feed: RSS 2.0 in arXiv's namespace, or Atom from rss.arxiv.org."""
    if b"<rss" in head:
        return ARXIV.encode() in head or b"rss.arxiv.org" in head
    return b"<feed" in head and ATOM.encode() in head and b"rss.arxiv.org" in head
