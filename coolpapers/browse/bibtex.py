"""BibTeX export in the shape arXiv's own "Export BibTeX citation" gives (@misc + eprint)."""

from __future__ import annotations

import re
from datetime import date, datetime

from coolpapers.browse.metadata import without_affiliation
from coolpapers.papers.arxiv_ids import abs_url
from coolpapers.papers.models import Paper
from coolpapers.papers.text import fold, squash

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_STOPWORDS = frozenset({"a", "an", "and", "for", "from", "in", "of", "on", "the", "to", "with"})
_WORD = re.compile(r"[a-z]+")


def citation_key(paper: Paper, year: int | None) -> str:
    """`surname` + year + first significant title word, ASCII: `balazs2007calculation`."""
    surname = ""
    if paper.authors:
        words = _WORD.findall(fold(without_affiliation(paper.authors[0])))
        surname = words[-1] if words else ""
    title_words = [w for w in _WORD.findall(fold(paper.title)) if w not in _STOPWORDS]
    return f"{surname or 'arxiv'}{year or ''}{title_words[0] if title_words else ''}"


def first_version_month(paper: Paper) -> tuple[int, int] | None:
    """Year and month of v1: its date when stored, else the YYMM every arXiv id starts with."""
    versions = list(paper.versions.all())
    first: date | datetime | None = versions[0].submitted if versions else paper.submitted
    if first:
        return first.year, first.month
    yymm = paper.arxiv_id.rpartition("/")[2][:4]
    if len(yymm) == 4 and yymm.isdigit():
        year = int(yymm[:2])
        # Old-style ids run from 9108 to 0703, new-style ones from 0704 on.
        return (1900 + year if year >= 91 else 2000 + year), int(yymm[2:])
    return None


def _braced(text: str) -> str:
    """Field text inside {...}: unbalanced braces would end the field early, so drop them."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        text = text.replace("{", "").replace("}", "")
    return "{" + text + "}"


def bibtex_entry(paper: Paper) -> str:
    """The @misc entry; `paper.versions` should be prefetched (it dates the entry)."""
    first = first_version_month(paper)
    fields: list[tuple[str, str]] = [
        ("title", _braced(squash(paper.title))),
        ("author", _braced(" and ".join(without_affiliation(a) for a in paper.authors))),
    ]
    if first:
        fields += [("year", _braced(str(first[0]))), ("month", MONTHS[first[1] - 1])]
    fields += [
        ("eprint", _braced(paper.arxiv_id)),
        ("archivePrefix", "{arXiv}"),
        ("primaryClass", _braced(paper.primary_category_id)),
        ("url", _braced(abs_url(paper.arxiv_id))),
    ]
    if paper.doi:
        fields.append(("doi", _braced(paper.doi)))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{citation_key(paper, first[0] if first else None)},\n{body}\n}}\n"
