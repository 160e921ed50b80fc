"""What a search engine indexes for a paper: the same flat document for every backend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from coolpapers.papers.models import Paper, PaperCategory
from search.backends.analysis import prepare, with_joined_compounds

CHUNK = 2000


@dataclass(frozen=True)
class PaperDocument:
    arxiv_id: str
    title: str
    abstract: str
    authors: str  # one name per line
    comments: str
    journal: str
    doi: str
    categories: tuple[str, ...]  # primary first
    submitted: datetime | None
    updated: datetime | None
    announced: date | None
    content_hash: str


def _document(paper: Paper, categories: list[str]) -> PaperDocument:
    # The text as every engine indexes it and reads queries (search.backends.analysis.prepare):
    # TeX accents as letters, ligatures composed, British endings as American; hyphenated
    # compounds also as one word.
    return PaperDocument(
        arxiv_id=paper.arxiv_id,
        title=with_joined_compounds(prepare(paper.title)),
        abstract=with_joined_compounds(prepare(paper.abstract)),
        authors="\n".join(prepare(a, english=False) for a in paper.authors),
        comments=prepare(paper.comments),
        journal=prepare(paper.journal_ref),
        doi=paper.doi,
        categories=tuple(categories) or (paper.primary_category_id,),
        submitted=paper.submitted,
        updated=paper.updated,
        announced=paper.announced,
        content_hash=paper.content_hash,
    )


def _categories(ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    rows = PaperCategory.objects.filter(paper_id__in=ids).values_list(
        "paper_id", "category_id", "position"
    )
    for paper_id, code, position in rows:
        found[paper_id].append((position, code))
    return {pid: [code for _, code in sorted(codes)] for pid, codes in found.items()}


def documents_for(ids: Iterable[str]) -> list[PaperDocument]:
    """Documents of the given papers (ids that no longer exist are left out)."""
    ids = list(ids)
    papers = Paper.objects.filter(pk__in=ids).defer("authors_search")
    cats = _categories(ids)
    return [_document(p, cats.get(p.pk, [])) for p in papers]


def iter_all_documents(chunk: int = CHUNK) -> Iterator[PaperDocument]:
    """Every paper, in id order and in chunks, so memory stays flat for millions of papers."""
    last = ""
    while True:
        papers = list(
            Paper.objects.filter(pk__gt=last).order_by("pk").defer("authors_search")[:chunk]
        )
        if not papers:
            return
        cats = _categories([p.pk for p in papers])
        for paper in papers:
            yield _document(paper, cats.get(paper.pk, []))
        last = papers[-1].pk
