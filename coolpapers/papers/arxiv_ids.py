"""arXiv identifiers: validation and normalisation of every form a user or a source gives."""

from __future__ import annotations

import re
from dataclasses import dataclass

# New style: YYMM.NNNN (2007-2014) or YYMM.NNNNN (2015-), optional version.
# re.ASCII: \d would otherwise also match other scripts' digits (full-width, Arabic-Indic).
_NEW = re.compile(r"(?P<id>\d{4}\.\d{4,5})(?:v(?P<v>\d+))?", re.ASCII)
# Old style: archive[.SUBJ]/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
_OLD = re.compile(
    r"(?P<id>(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?", re.ASCII
)
_PREFIXES = re.compile(
    r"^(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|oai:arxiv\.org:|arxiv:)",
    re.IGNORECASE,
)


class InvalidArxivId(ValueError):
    """Raised for text that is not an arXiv identifier; the message says why."""


@dataclass(frozen=True)
class ArxivId:
    id: str
    version: int | None = None

    def __str__(self) -> str:
        return self.id


def parse_arxiv_id(raw: str) -> ArxivId:
    """Accept `arXiv:` prefixes, `vN` suffixes and abs/pdf URLs; return the bare id and version."""
    if not isinstance(raw, str):
        raise InvalidArxivId("an arXiv id must be text")
    text = raw.strip()
    if len(text) > 200:
        raise InvalidArxivId("an arXiv id is at most a few dozen characters")
    text = _PREFIXES.sub("", text)
    text = text.removesuffix(".pdf").rstrip("/")
    for pattern in (_NEW, _OLD):
        m = pattern.fullmatch(text)
        if m:
            ident = m.group("id")
            if pattern is _NEW:
                month = int(ident[2:4])
                if not 1 <= month <= 12:
                    raise InvalidArxivId(f"{raw!r} has month {month:02d}; arXiv ids are YYMM.NNNNN")
                if ident[:4] >= "1501" and len(ident) != 10:
                    raise InvalidArxivId(f"{raw!r}: ids since 1501 have five digits after the dot")
                if ident[:4] < "1501" and len(ident) != 9:
                    raise InvalidArxivId(f"{raw!r}: ids before 1501 have four digits after the dot")
                if ident[:4] < "0704":
                    raise InvalidArxivId(f"{raw!r}: YYMM.NNNN ids start at 0704 (April 2007)")
            else:
                yymm = ident[-7:-3]
                if not 1 <= int(yymm[2:]) <= 12:
                    raise InvalidArxivId(
                        f"{raw!r} has month {yymm[2:]}; old ids are archive/YYMMNNN"
                    )
                if "0703" < yymm < "9108":
                    raise InvalidArxivId(f"{raw!r}: old-style ids run from 9108 to 0703")
            version = int(m.group("v")) if m.group("v") else None
            if version == 0:
                raise InvalidArxivId(f"{raw!r}: versions start at v1")
            return ArxivId(ident, version)
    raise InvalidArxivId(
        f"{raw!r} is not an arXiv id (expected e.g. 2401.01234, hep-th/9901001, arXiv:2401.01234v2)"
    )


def normalize_arxiv_id(raw: str) -> str:
    """The canonical, version-less id used as the primary key."""
    return parse_arxiv_id(raw).id


ARXIV = "https://arxiv.org"


def abs_url(arxiv_id: str) -> str:
    """The paper's abstract page on arXiv (pages, feeds and error pages link to it)."""
    return f"{ARXIV}/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"{ARXIV}/pdf/{arxiv_id}"
