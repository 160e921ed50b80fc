"""The search page, its lazily loaded pages, and its Atom feed."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from coolpapers.browse.listing import PAGE_SIZE, CategoryChip, chips
from coolpapers.browse.search_feeds import SearchFeed, SearchFeedData
from coolpapers.browse.stars import star_count
from coolpapers.interests import foryou
from coolpapers.interests.order import PREFER_POOL, prefer_hits
from coolpapers.interests.prefer import BadKeywords, parse_keywords
from coolpapers.library.models import Collection
from coolpapers.papers.models import Paper
from coolpapers.related.services import stored_keywords
from coolpapers.web.page_cache import cached_page
from coolpapers.web.paging import (
    BadPage,
    Numbered,
    earlier_context,
    parse_page,
    shown_pages,
    split_pages,
)
from search.backends.analysis import STOP_WORDS
from search.backends.base import (
    SORTS,
    IndexUnavailable,
    SearchRequest,
    SearchResults,
    SearchTimeout,
    deadline,
)
from search.backends.spelling import watch_spelling
from search.query import positive_terms
from search.service import (
    MAX_RESULTS,
    SearchInputError,
    SearchParams,
    correct,
    prepare,
    search,
    with_highlights,
)

FEED_SIZE = 50
RETRY_AFTER = 30  # seconds a client is asked to wait after a 503
PREFER = "prefer"
FORYOU = "foryou"  # a signed-in reader's current profile orders the best matches


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
class ResultPage(Numbered):
    size = PAGE_SIZE
    number: int
    entries: list[ResultEntry]


class PastTheEnd(SearchInputError):
    """`?page=` is a page number, but the results end before it: a 404 that says where."""


# The query parameters of the search page and its chunks (the page cache keys on them alone).
SEARCH_PARAMS = ("q", "category", "from", "to", "sort", "exact", "page", "kw")


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
    if get.get("exact", "0") not in ("0", "1"):
        raise SearchInputError("exact", "exact must be 1 (search the words as typed) or 0")
    if get.get("exact") == "1":
        kept["exact"] = "1"
    try:
        page = parse_page(get.get("page"), 10_000)
    except BadPage as exc:
        raise SearchInputError(
            "page", f"page must be a number from 1 to {MAX_RESULTS // PAGE_SIZE}"
        ) from exc
    if page * PAGE_SIZE > MAX_RESULTS:
        raise SearchInputError("page", f"results stop at {MAX_RESULTS}; refine the query")
    sort = get.get("sort") or "relevance"
    keywords: tuple[str, ...] = ()
    if sort == FORYOU and page * PAGE_SIZE > foryou.FORYOU_POOL + PAGE_SIZE - 1:
        pool = foryou.FORYOU_POOL
        raise SearchInputError(
            "page", f"the For you sort orders the best {pool} matches; refine the query"
        )
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
        category=_category_text(get.get("category", "")),
        date_from=day("from"),
        date_to=day("to"),
        sort="relevance" if sort in (PREFER, FORYOU) else sort,
        exact=get.get("exact") == "1",
    )
    return params, page, kept, keywords


def _category_text(text: str) -> str:
    """The Categories box as category_spec reads it: spaces around `+`, `,` and `-` go, and
    the ones left between codes join them as `+` does (`cs.AI cs.LG`, which is also what
    `cs.AI+cs.LG` becomes when a `+` reaches the query string unescaped)."""
    return re.sub(r"\s+", "+", re.sub(r"\s*([,+\-])\s*", r"\1", text.strip()))


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


def _run(request: HttpRequest, *, whole: bool) -> dict:
    """The page's context; the whole of it (search, highlights, suggestions) within one time
    budget, past which SearchTimeout stops it. A `whole` page for `?page=N` shows the pages
    before N too (see coolpapers.web.paging.shown_pages); a chunk is page N alone."""
    with deadline():
        return _context(request, whole=whole)


def _context(request: HttpRequest, *, whole: bool) -> dict:
    params, page_number, kept, keywords = _params(request)
    profile = _profile(request) if kept.get("sort") == FORYOU else None
    search_request, corrected = prepare(params)
    results = search(search_request)
    numbers = shown_pages(page_number) if whole else range(page_number, page_number + 1)
    # The pages in one slice of the results: the engine runs the search once, whatever their
    # number, and highlights them together.
    start, size = (numbers.start - 1) * PAGE_SIZE, len(numbers) * PAGE_SIZE
    if keywords:
        hits, has_next = prefer_hits(results, keywords, start, size)
        total = min(results.count, PREFER_POOL)
    elif profile is not None:
        hits, has_next = foryou.foryou_hits(results, profile, start, size)
        total = min(results.count, foryou.FORYOU_POOL)
    else:
        hits = results[start : start + size]
        has_next = start + size < min(results.count, MAX_RESULTS)
        total = results.count
    entries = {entry.paper.pk: entry for entry in _entries(search_request, hits)}
    # Cut by the ranks, so a paper missing from the database keeps no other one from its page.
    pages = [
        ResultPage(number, [entries[hit.arxiv_id] for hit in part if hit.arxiv_id in entries])
        for number, part in split_pages(hits, numbers, PAGE_SIZE)
    ]
    # Page N itself has no result (the pages before it may): past the end, as in the lists.
    if page_number > 1 and (pages[-1].number != page_number or not pages[-1].entries):
        last = max(1, -(-min(total, MAX_RESULTS) // PAGE_SIZE))
        raise PastTheEnd(
            "page",
            f"page {page_number} is past the end: "
            f"{total} paper{'s' if total != 1 else ''} on {last} page{'s' if last != 1 else ''}",
        )
    page = pages[-1]
    base = reverse("search:search")

    def page_url(number: int) -> str:
        return f"{base}?{urlencode({**kept, 'page': str(number)} if number > 1 else kept)}"

    following = {**kept, "page": str(page.number + 1)}
    searched = {**kept, "q": corrected.text, "exact": "1"} if corrected else kept
    suggestion = _suggestion(params, search_request, results)
    partial = results.partial
    strict_count = results.strict_count
    return {
        "params": params,
        "search_query": params.q,
        "kept": kept,
        "count": results.count,
        "page": page,
        "next_page_url": f"{base}?{urlencode(following)}" if has_next else "",
        "next_chunk_url": f"{reverse('search:chunk')}?{urlencode(following)}" if has_next else "",
        **(earlier_context(pages, total, page_url) if whole else {}),
        "feed_url": f"{reverse('search:feed')}?{urlencode(searched)}",
        "corrected": corrected.text if corrected else "",
        "original_url": f"{base}?{urlencode({**kept, 'exact': '1'})}" if corrected else "",
        "suggestion": suggestion,
        "suggestion_url": f"{base}?{urlencode({**kept, 'q': suggestion})}" if suggestion else "",
        "unfiltered_url": _unfiltered_url(base, kept, results.count),
        "partial": partial,
        "strict_count": strict_count,
        "partial_words": _words(search_request) if partial else [],
        "partial_from": None if profile else _partial_from(partial, strict_count, params, keywords),
        "sorts": SORTS,
        "prefer": bool(keywords),
        "prefer_pool": PREFER_POOL,
        "prefer_url": f"{base}?{urlencode({**kept, 'sort': PREFER})}",
        "foryou": profile,
        "foryou_pool": foryou.FORYOU_POOL,
        "foryou_url": f"{base}?{urlencode({**kept, 'sort': FORYOU})}",
    }


def _profile(request: HttpRequest) -> Collection | None:
    """The signed-in reader's current profile, for the For you sort (None: they have none)."""
    profile = foryou.current_profile(request.user, request.session)
    request._foryou_profile = profile  # the 👍/👎 controls of the page rate in it
    return profile


def _sign_in_first(request: HttpRequest) -> HttpResponse | None:
    """The For you sort is a signed-in reader's: others go to the sign-in page first."""
    if request.GET.get("sort") == FORYOU and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _suggestion(params: SearchParams, search_request: SearchRequest, results: SearchResults) -> str:
    """A correction to offer when words searched exactly as typed find nothing, or only
    papers without some of them."""
    if not params.exact or (results.count and not results.partial):
        return ""
    corrected = correct(search_request.query)
    return corrected.text if corrected else ""


def _unfiltered_url(base: str, kept: dict[str, str], count: int) -> str:
    """The same words without category and date filters, when those may be what hides papers."""
    if count or not any(kept.get(k) for k in ("category", "from", "to")):
        return ""
    return f"{base}?{urlencode({k: v for k, v in kept.items() if k in ('q', 'sort', 'exact')})}"


def _words(search_request: SearchRequest) -> list[str]:
    """The searched words a partial match may lack, as the reader typed them (stopwords,
    which no paper is required to have, left out)."""
    words = [text for _, text in positive_terms(search_request.query)]
    return [w for w in dict.fromkeys(words) if w.lower() not in STOP_WORDS]


def _partial_from(
    partial: bool, strict_count: int, params: SearchParams, keywords: tuple[str, ...]
) -> int | None:
    """The number in the results (1-based, as the cards show it) of the first paper with only
    some of the words (None: no such line), for a line between them and the papers with all
    of them: once, on whichever of the pages shown it falls. Only in relevance order, which
    puts every complete match first."""
    if not partial or not strict_count or params.sort != "relevance" or keywords:
        return None
    return strict_count + 1


# The form's fields: an error about one of them is shown next to it (search/search.html).
FORM_FIELDS = ("q", "category", "from", "to", "sort")


def _problem(request: HttpRequest, message: str, param: str, status: int) -> HttpResponse:
    """The page again with the reader's input, and the reason in a sentence: next to the
    field it is about, or above the form (the page number, the ❤ sort, an unavailable
    index)."""
    context = {
        "error": message.rstrip("."),  # the template ends the sentence
        "param": param,
        "error_field": param if param in FORM_FIELDS else "",
        "status": status,
        "params": request.GET,
        "search_query": request.GET.get("q", ""),
        "sorts": SORTS,
    }
    response = render(request, "search/search.html", context, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def _unavailable(message: str) -> HttpResponse:
    response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER)
    return response


@require_GET
@cached_page(params=SEARCH_PARAMS)
def search_page(request: HttpRequest) -> HttpResponse:
    if not request.GET.get("q", "").strip():
        return render(request, "search/search.html", {"sorts": SORTS, "params": request.GET})
    if redirect := _sign_in_first(request):
        return redirect
    try:
        with watch_spelling() as spelling:
            context = _run(request, whole=True)
    except PastTheEnd as exc:
        return _problem(request, str(exc), exc.param, 404)
    except SearchInputError as exc:
        return _problem(request, str(exc), exc.param, 400)
    except (IndexUnavailable, SearchTimeout) as exc:
        return _problem(request, str(exc), "", 503)
    return _provisional(render(request, "search/search.html", context), spelling.provisional)


def _provisional(response: HttpResponse, provisional: bool) -> HttpResponse:
    """A page made while the speller was still being built may lack a correction it will have
    in seconds: kept out of the page cache (and any other)."""
    if provisional:
        add_never_cache_headers(response)
    return response


@require_GET
@cached_page(params=SEARCH_PARAMS)
def search_chunk(request: HttpRequest) -> HttpResponse:
    """The next 25 results as an HTML fragment for htmx."""
    if _sign_in_first(request):
        return HttpResponse("sign in for the For you sort", status=403, content_type="text/plain")
    try:
        with watch_spelling() as spelling:
            context = _run(request, whole=False)
    except PastTheEnd as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain")
    except SearchInputError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    except (IndexUnavailable, SearchTimeout) as exc:
        return _unavailable(str(exc))
    return _provisional(render(request, "browse/_chunk.html", context), spelling.provisional)


@require_GET
def search_feed(request: HttpRequest) -> HttpResponse:
    try:
        params, _, kept, _ = _params(request)
        with deadline():
            search_request, corrected = prepare(replace(params, sort="announced"))
            results = search(search_request)
            hits = results[:FEED_SIZE]
    except SearchInputError as exc:
        return HttpResponse(f"{exc.param}: {exc}", status=400, content_type="text/plain")
    except (IndexUnavailable, SearchTimeout) as exc:
        return _unavailable(str(exc))
    papers = {p.pk: p for p in Paper.objects.filter(pk__in=[h.arxiv_id for h in hits])}
    data = SearchFeedData(
        query=corrected.text if corrected else params.q,
        typed=params.q if corrected else "",
        partial=results.partial,
        params=kept,
        papers=[papers[h.arxiv_id] for h in hits if h.arxiv_id in papers],
        feed_id=request.build_absolute_uri(f"{reverse('search:feed')}?{urlencode(kept)}"),
    )
    return SearchFeed()(request, listing=data)
