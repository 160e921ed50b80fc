"""The search page, its lazily loaded pages, and its Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from coolpapers.browse.listing import PAGE_SIZE, CategoryChip, chips
from coolpapers.browse.stars import star_count
from coolpapers.ops.page_cache import cached_page
from coolpapers.papers.models import Paper
from coolpapers.related.prefer import BadKeywords, parse_keywords, prefer_order
from coolpapers.related.services import stored_keywords
from search.backends.base import SORTS, Hit, IndexUnavailable
from search.feeds import SearchFeed, SearchFeedData
from search.service import (
    MAX_RESULTS,
    SearchInputError,
    SearchParams,
    build_request,
    did_you_mean,
    search,
    with_highlights,
)

FEED_SIZE = 50
PREFER = "prefer"
PREFER_POOL = 500  # the ❤ sort re-orders this many best matches of a search


@dataclass
class ResultEntry:
    """What browse/_paper.html needs for one paper, plus the highlighted title and abstract."""

    paper: Paper
    categories: list[CategoryChip]
    stars: int
    title_html: str
    abstract_html: str
    keywords: list[str]
    kind: str = "new"


@dataclass
class ResultPage:
    number: int
    entries: list[ResultEntry]

    @property
    def first_number(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.entries) - 1


def _params(
    request: HttpRequest,
) -> tuple[SearchParams, int, dict[str, str], tuple[str, ...]]:
    """Parameters from the query string; SearchInputError names the one that is wrong."""
    get = request.GET
    kept = {k: get[k] for k in ("q", "category", "from", "to", "sort") if get.get(k)}

    def day(name: str) -> date | None:
        value = get.get(name, "")
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise SearchInputError(name, f"'{value}' is not a date (YYYY-MM-DD)") from exc

    if get.get("kw"):
        kept["kw"] = get["kw"]
    raw_page = get.get("page", "1")
    if not raw_page.isascii() or not raw_page.isdigit() or not 1 <= int(raw_page) <= 10_000:
        raise SearchInputError(
            "page", f"page must be a number from 1 to {MAX_RESULTS // PAGE_SIZE}"
        )
    page = int(raw_page)
    if page * PAGE_SIZE > MAX_RESULTS:
        raise SearchInputError("page", f"results stop at {MAX_RESULTS}; refine the query")
    sort = get.get("sort") or "relevance"
    keywords: tuple[str, ...] = ()
    if sort == PREFER:
        if page * PAGE_SIZE > PREFER_POOL + PAGE_SIZE - 1:
            raise SearchInputError(
                "page", f"the ❤ sort orders the best {PREFER_POOL} matches; refine the query"
            )
        try:
            keywords = parse_keywords(get.get("kw"))
        except BadKeywords as exc:
            raise SearchInputError("kw", str(exc)) from exc
    params = SearchParams(
        q=get.get("q", ""),
        category=get.get("category", ""),
        date_from=day("from"),
        date_to=day("to"),
        sort="relevance" if sort == PREFER else sort,
    )
    return params, page, kept, keywords


def _entries(request, hits) -> list[ResultEntry]:
    results = with_highlights(request, hits, rendered=True)
    stars = dict(
        Paper.objects.filter(pk__in=[r.paper.pk for r in results])
        .annotate(star_total=star_count())
        .values_list("pk", "star_total")
    )
    return [
        ResultEntry(
            paper=r.paper,
            categories=chips(r.paper.category_links.all()),
            stars=stars.get(r.paper.pk, 0),
            title_html=r.title_html,
            abstract_html=r.abstract_html,
            keywords=stored_keywords(r.paper),
        )
        for r in results
    ]


def _prefer_hits(results, keywords: tuple[str, ...], start: int) -> tuple[list[Hit], bool]:
    """A page of the ❤ sort: the best PREFER_POOL results re-ordered by the keywords."""
    pool = {hit.arxiv_id: hit for hit in results[:PREFER_POOL]}
    ranked = prefer_order(list(pool), keywords)
    return [pool[pid] for pid in ranked[start : start + PAGE_SIZE]], start + PAGE_SIZE < len(ranked)


def _run(request: HttpRequest) -> dict:
    params, page_number, kept, keywords = _params(request)
    search_request = build_request(params)
    results = search(search_request)
    start = (page_number - 1) * PAGE_SIZE
    if keywords:
        hits, has_next = _prefer_hits(results, keywords, start)
    else:
        hits = results[start : start + PAGE_SIZE]
        has_next = start + PAGE_SIZE < min(results.count, MAX_RESULTS)
    page = ResultPage(page_number, _entries(search_request, hits))
    base = reverse("search:search")
    following = {**kept, "page": str(page_number + 1)}
    return {
        "params": params,
        "search_query": params.q,
        "kept": kept,
        "count": results.count,
        "page": page,
        "next_page_url": f"{base}?{urlencode(following)}" if has_next else "",
        "next_chunk_url": f"{reverse('search:chunk')}?{urlencode(following)}" if has_next else "",
        "previous_page_url": (
            f"{base}?{urlencode({**kept, 'page': str(page_number - 1)})}" if page_number > 1 else ""
        ),
        "feed_url": f"{reverse('search:feed')}?{urlencode(kept)}",
        "suggestion": did_you_mean(search_request.query) if not results.count else None,
        "sorts": SORTS,
        "prefer": bool(keywords),
        "prefer_pool": PREFER_POOL,
        "prefer_url": f"{base}?{urlencode({**kept, 'sort': PREFER})}",
    }


def _problem(request: HttpRequest, message: str, param: str, status: int) -> HttpResponse:
    context = {
        "error": message,
        "param": param,
        "params": request.GET,
        "search_query": request.GET.get("q", ""),
        "sorts": SORTS,
    }
    return render(request, "search/search.html", context, status=status)


@require_GET
@cached_page
def search_page(request: HttpRequest) -> HttpResponse:
    if not request.GET.get("q", "").strip():
        return render(request, "search/search.html", {"sorts": SORTS, "params": request.GET})
    try:
        context = _run(request)
    except SearchInputError as exc:
        return _problem(request, str(exc), exc.param, 400)
    except IndexUnavailable as exc:
        return _problem(request, str(exc), "", 503)
    return render(request, "search/search.html", context)


@require_GET
@cached_page
def search_chunk(request: HttpRequest) -> HttpResponse:
    """The next 25 results as an HTML fragment for htmx."""
    try:
        context = _run(request)
    except SearchInputError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    except IndexUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    return render(request, "browse/_chunk.html", context)


@require_GET
def search_feed(request: HttpRequest) -> HttpResponse:
    try:
        params, _, kept, _ = _params(request)
        search_request = build_request(SearchParams(**{**params.__dict__, "sort": "announced"}))
        hits = search(search_request)[:FEED_SIZE]
    except SearchInputError as exc:
        return HttpResponse(f"{exc.param}: {exc}", status=400, content_type="text/plain")
    except IndexUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    papers = {p.pk: p for p in Paper.objects.filter(pk__in=[h.arxiv_id for h in hits])}
    data = SearchFeedData(
        query=params.q,
        params=kept,
        papers=[papers[h.arxiv_id] for h in hits if h.arxiv_id in papers],
        feed_id=request.build_absolute_uri(f"{reverse('search:feed')}?{urlencode(kept)}"),
    )
    return SearchFeed()(request, listing=data)
