"""Pages of related papers: the list page, its lazily loaded chunks, and "My interests".

The interests page is drawn in the browser from localStorage; the server only serves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from coolpapers.browse import listing
from coolpapers.interests.like import semantic_on
from coolpapers.papers.models import Paper
from coolpapers.related.services import is_stale, related_scores, stored_keywords
from coolpapers.web.page_cache import cached_page
from coolpapers.web.paging import (
    BadPage,
    Numbered,
    earlier_context,
    parse_page,
    shown_pages,
    split_pages,
)
from coolpapers.web.problems import Problem, canonical_id, missing_paper

CHUNK_SIZE = 10
LIMIT = 20  # stored related papers per paper
PAGES = LIMIT // CHUNK_SIZE


@dataclass(frozen=True)
class RelatedEntry(listing.Entry):
    """A related paper as a list entry, with its BM25 score for the source paper."""

    score: float = 0.0


@dataclass(frozen=True)
class RelatedPage(Numbered):
    size = CHUNK_SIZE
    number: int
    entries: list[RelatedEntry]


def related_page(arxiv_id: str, number: int) -> tuple[RelatedPage, int]:
    """Page `number` of a paper's related papers as list entries, best first, and how many
    related papers there are in all."""
    pages, count = related_pages(arxiv_id, range(number, number + 1))
    return pages[0], count


def related_pages(arxiv_id: str, numbers: range) -> tuple[list[RelatedPage], int]:
    """Consecutive pages of a paper's related papers (see related_page) in the queries of one
    page, and how many there are in all: pages past the end left out, the first one kept."""
    related = related_scores(arxiv_id, limit=LIMIT)
    start = (numbers.start - 1) * CHUNK_SIZE
    scores = dict(related[start : start + len(numbers) * CHUNK_SIZE])
    entries = {
        entry.paper.arxiv_id: RelatedEntry(**entry.__dict__, score=scores[entry.paper.arxiv_id])
        for entry in listing.paper_entries(list(scores))
    }
    # Cut by the ranks, so a paper gone since keeps no other one from its page.
    pages = [
        RelatedPage(n, [entries[pid] for pid in part if pid in entries])
        for n, part in split_pages(list(scores), numbers, CHUNK_SIZE)
    ]
    return pages, len(related)


def _page_number(request: HttpRequest) -> int:
    try:
        return parse_page(request.GET.get("page"), PAGES)
    except BadPage as error:
        reason = gettext("page=%(page)s is not a page of related papers (1 to %(pages)s)") % {
            "page": repr(error.args[0]),
            "pages": PAGES,
        }
        raise Problem(400, reason) from error


def _chunk_context(arxiv_id: str, page: RelatedPage, full_count: int) -> dict:
    has_next = page.last_number < full_count
    base = reverse("related:related", args=[arxiv_id])
    chunk = reverse("related:chunk", args=[arxiv_id])
    following = page.number + 1
    return {
        "page": page,
        "next_page_url": f"{base}?page={following}" if has_next else "",
        "next_chunk_url": f"{chunk}?page={following}" if has_next else "",
    }


@require_GET
@cached_page(params=("page",))
def related(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    canonical = canonical_id(request, arxiv_id, "related:related")
    if isinstance(canonical, HttpResponse):
        return canonical
    try:
        number = _page_number(request)
    except Problem as problem:
        return problem.response(request)
    paper = Paper.objects.select_related("related_state").filter(pk=canonical).first()
    if paper is None:
        return missing_paper(request, canonical)
    # Page N shows the pages before it too: where a reader who scrolled that far was.
    pages, count = related_pages(canonical, shown_pages(number))
    base = reverse("related:related", args=[canonical])
    context = {
        **_chunk_context(canonical, pages[-1], count),
        **earlier_context(pages, count, lambda n: f"{base}?page={n}" if n > 1 else base),
        "paper": paper,
        "count": count,
        "keywords": stored_keywords(paper),
        "stale": is_stale(canonical),
    }
    return render(request, "related/related.html", context)


@require_GET
@cached_page(params=("page", "embed"))
def related_chunk(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """A chunk of related papers for htmx; `?embed=1` is the paper page's section."""
    canonical = canonical_id(request, arxiv_id, "related:chunk")
    if isinstance(canonical, HttpResponse):
        return canonical
    try:
        number = _page_number(request)
    except Problem as problem:
        return problem.response(request)
    if not Paper.objects.filter(pk=canonical).exists():
        return missing_paper(request, canonical)
    page, count = related_page(canonical, number)
    if request.GET.get("embed"):
        context = {
            "page": page,
            "paper_id": canonical,
            "stale": not page.entries and is_stale(canonical),
        }
        return render(request, "related/_section.html", context)
    if not page.entries:
        reason = gettext("Paper %(id)s has no related papers on page %(page)s.") % {
            "id": canonical,
            "page": number,
        }
        return Problem(404, reason).response(request)
    return render(request, "browse/_chunk.html", _chunk_context(canonical, page, count))


@require_GET
@cached_page
def interests(request: HttpRequest) -> HttpResponse:
    # Whether the ❤ sort of the daily lists can use the papers read (like=), to say so.
    return render(request, "related/interests.html", {"semantic": semantic_on()})
