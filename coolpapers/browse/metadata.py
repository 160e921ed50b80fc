"""What a paper page tells machines: arXiv links, first/latest dates, Highwire and Open Graph.

Highwire `citation_*` tags are what Zotero, Google Scholar and Mendeley read; the names and
date format (YYYY/MM/DD) follow arXiv's own abstract pages.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from coolpapers.papers.arxiv_ids import pdf_url
from coolpapers.papers.models import Paper
from coolpapers.papers.text import squash, tex_accents_to_unicode

OG_DESCRIPTION_LENGTH = 300
_AFFILIATION = re.compile(r"\s*\([^()]*\)")


def without_affiliation(name: str) -> str:
    """`Andrea Brignole (CERN-TH)` -> `Andrea Brignole`: reference managers want bare names."""
    return squash(_AFFILIATION.sub("", name)) or squash(name)


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def first_version_day(paper: Paper) -> date | None:
    """When v1 appeared: its submission, else what the source said, else the first list."""
    versions = list(paper.versions.all())
    if versions:
        return versions[0].submitted.date()
    return _day(paper.submitted) or paper.announced


def latest_version_day(paper: Paper) -> date | None:
    versions = list(paper.versions.all())
    if versions:
        return versions[-1].submitted.date()
    return _day(paper.updated) or first_version_day(paper)


def _scholar_date(day: date | None) -> str:
    return day.strftime("%Y/%m/%d") if day else ""


def highwire_tags(paper: Paper) -> list[tuple[str, str]]:
    """(name, content) pairs in arXiv's order; one citation_author per author."""
    tags = [("citation_title", squash(paper.title))]
    tags += [
        ("citation_author", tex_accents_to_unicode(without_affiliation(author)))
        for author in paper.authors
    ]
    tags += [
        ("citation_date", _scholar_date(first_version_day(paper))),
        ("citation_online_date", _scholar_date(latest_version_day(paper))),
        ("citation_pdf_url", pdf_url(paper.arxiv_id)),
        ("citation_arxiv_id", paper.arxiv_id),
        ("citation_abstract", squash(paper.abstract)),
    ]
    if paper.doi:
        tags.append(("citation_doi", paper.doi))
    return [(name, content) for name, content in tags if content]


def open_graph_tags(paper: Paper, url: str) -> list[tuple[str, str]]:
    abstract = squash(paper.abstract)
    if len(abstract) > OG_DESCRIPTION_LENGTH:
        abstract = abstract[: OG_DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return [
        ("og:type", "article"),
        ("og:site_name", "Cool Papers"),
        ("og:title", squash(paper.title)),
        ("og:url", url),
        ("og:description", abstract),
    ]
