"""Running a reader's search: from request parameters to papers with highlights.

Shared by the search page, its feed and the REST API, so all three agree on every rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch

from coolpapers.papers.category_spec import InvalidSpec, parse_spec
from coolpapers.papers.models import Paper, PaperCategory
from search.backends import get_backend
from search.backends.base import SORTS, Hit, SearchRequest, SearchResults
from search.highlight import highlight, highlight_html
from search.query import And as AndNode
from search.query import Node, QueryError, Term, parse_query

MAX_PAGE_SIZE = 100
MAX_RESULTS = 10_000  # deepest result reachable by paging


class SearchInputError(ValueError):
    """A parameter is unusable; `param` names it (for a 400 naming the parameter)."""

    def __init__(self, param: str, message: str):
        self.param = param
        super().__init__(message)


@dataclass(frozen=True)
class SearchParams:
    q: str
    category: str = ""
    date_from: date | None = None
    date_to: date | None = None
    date_field: str = "announced"
    sort: str = "relevance"


@dataclass
class Result:
    paper: Paper
    hit: Hit
    title_html: str
    abstract_html: str


def build_request(params: SearchParams) -> SearchRequest:
    try:
        query = parse_query(params.q)
    except QueryError as exc:
        raise SearchInputError("q", str(exc)) from exc
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    if params.category:
        try:
            spec = parse_spec(params.category)
        except InvalidSpec as exc:
            raise SearchInputError("category", str(exc)) from exc
        include, exclude = tuple(sorted(spec.include_codes)), tuple(sorted(spec.exclude_codes))
    if params.sort not in SORTS:
        raise SearchInputError("sort", f"sort must be one of {', '.join(SORTS)}")
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise SearchInputError("from", "'from' is after 'to'")
    return SearchRequest(
        query=query,
        include_categories=include,
        exclude_categories=exclude,
        date_field=params.date_field,
        date_from=params.date_from,
        date_to=params.date_to,
        sort=params.sort,
    )


def search(request: SearchRequest) -> SearchResults:
    """Lazy results; a query the engine cannot run becomes a SearchInputError on `q`."""
    results = get_backend().search(request)
    try:
        results.count  # noqa: B018 (evaluates the query now, so errors surface here)
    except QueryError as exc:
        raise SearchInputError("q", str(exc)) from exc
    return results


def papers_for(hits: list[Hit], category_names: bool = False) -> list[tuple[Paper, Hit]]:
    """The hits' papers in hit order, with their keywords (related_state), in two queries
    whatever the page size. Their categories come as codes, or with `category_names` as links
    to the categories, as the pages show them (slower: the API, which needs no names, saves a
    join and Django's prefetch machinery)."""
    ids = [h.arxiv_id for h in hits]
    # Hit order comes from the engine: no ORDER BY (the model's default costs a sort).
    papers = Paper.objects.filter(pk__in=ids).select_related("related_state").order_by()
    if category_names:
        links = PaperCategory.objects.select_related("category").order_by("position")
        by_id = {p.pk: p for p in papers.prefetch_related(Prefetch("category_links", links))}
    else:
        by_id = {p.pk: p for p in papers}
        for paper in by_id.values():
            paper.category_codes = []
        codes = PaperCategory.objects.filter(paper_id__in=ids).order_by("position")
        for paper_id, code in codes.values_list("paper_id", "category_id"):
            by_id[paper_id].category_codes.append(code)
    return [(by_id[h.arxiv_id], h) for h in hits if h.arxiv_id in by_id]


def with_highlights(
    request: SearchRequest, hits: list[Hit], rendered: bool = False
) -> list[Result]:
    """Papers with matched words marked: TeX left as source for API clients, or `rendered`
    as the pages show it (formulas in math spans for MathJax)."""
    mark = highlight_html if rendered else highlight
    backend = get_backend()
    title_spans = backend.highlight_terms(request, "title")
    abstract_spans = backend.highlight_terms(request, "abstract")
    return [
        Result(
            paper=paper,
            hit=hit,
            title_html=mark(paper.title, title_spans),
            abstract_html=mark(paper.abstract, abstract_spans),
        )
        for paper, hit in papers_for(hits, category_names=rendered)
    ]


def did_you_mean(query: Node) -> str | None:
    """The query with unknown plain words replaced by the index's spelling suggestions."""
    backend = get_backend()
    terms = query.children if isinstance(query, AndNode) else (query,)
    words, changed = [], False
    for node in terms:
        if not isinstance(node, Term) or node.field is not None:
            return None
        word = node.text
        if hasattr(backend, "is_known") and not backend.is_known(word):
            better = backend.suggest(word)
            if better:
                word, changed = better, True
        words.append(word)
    return " ".join(words) if changed else None
