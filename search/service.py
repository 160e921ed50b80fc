"""Running a reader's search: from request parameters to papers with highlights.

Shared by the search page, its feed and the REST API, so all three agree on every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from types import UnionType

from django.db.models import Prefetch

from coolpapers.papers.category_spec import InvalidSpec, parse_spec
from coolpapers.papers.models import Paper, PaperCategory
from search.backends import get_backend
from search.backends.base import (
    SORTS,
    Hit,
    SearchBackend,
    SearchRequest,
    SearchResults,
    check_deadline,
)
from search.highlight import highlight, highlight_html
from search.query import And as AndNode
from search.query import DateRange, Node, Not, Phrase, Prefix, QueryError, Term, parse_query
from search.query import Or as OrNode

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
    exact: bool = False  # search the words as typed, never a correction of them


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


def prepare(params: SearchParams) -> tuple[SearchRequest, Corrected | None]:
    """The request to run and, unless `params.exact`, the correction of misspelt words that
    it runs instead of what was typed (None when nothing was corrected)."""
    request = build_request(params)
    corrected = None if params.exact else correct(request.query)
    if corrected is not None:
        request = replace(request, query=corrected.node)
    return request, corrected


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


# Fields whose words are corrected: author names, ids and categories are the reader's own.
CORRECTED_FIELDS = (None, "title", "abstract")


@dataclass(frozen=True)
class Corrected:
    """A query with misspelt words replaced: `text` to show and link to, `node` to run."""

    text: str
    node: Node


def correct(query: Node) -> Corrected | None:
    """The query with each plain word the index has never seen (and that finds nothing alone,
    as an author's name might) replaced by the index's spelling suggestion; None when no word
    changes. Words under a NOT, in phrases or prefixes, and in other fields stay as typed.
    A word costs about a millisecond whatever its length (SearchBackend.suggest), and the
    request's deadline is checked between words."""
    backend = get_backend()
    changed = False

    def fix(node: Node) -> Node:
        nonlocal changed
        if isinstance(node, AndNode | OrNode):
            return type(node)(tuple(fix(child) for child in node.children))
        if not isinstance(node, Term) or node.field not in CORRECTED_FIELDS:
            return node
        check_deadline()
        if backend.is_known(node.text):
            return node
        better = backend.suggest(node.text)
        if not better or better == node.text.lower() or _finds_any(backend, node):
            return node
        changed = True
        return Term(node.field, better)

    node = fix(query)
    return Corrected(query_text(node), node) if changed else None


def _finds_any(backend: SearchBackend, term: Term) -> bool:
    """Whether a word finds papers on its own (in authors, say, which is_known does not read)."""
    results = backend.search(SearchRequest(query=term))
    return bool(results.strict_count)


def query_text(node: Node) -> str:
    """Query text that parses back to `node`: what a corrected query shows and links to."""
    if isinstance(node, Term | Prefix):
        text = node.text + ("*" if isinstance(node, Prefix) else "")
        return f"{node.field}:{text}" if node.field else text
    if isinstance(node, Phrase):
        return f'{node.field}:"{node.text}"' if node.field else f'"{node.text}"'
    if isinstance(node, DateRange):
        start = node.start.isoformat() if node.start else ""
        end = node.end.isoformat() if node.end else ""
        return f"{node.field}:{start}..{end}"
    if isinstance(node, Not):
        plain = isinstance(node.child, Term | Prefix)
        return ("-" if plain else "NOT ") + _grouped(node.child, AndNode | OrNode)
    if isinstance(node, OrNode):
        # AND binds tighter than OR: `a b OR c` is (a b) OR c.
        return " OR ".join(_grouped(child, OrNode) for child in node.children)
    return " ".join(_grouped(child, AndNode | OrNode) for child in node.children)


def _grouped(node: Node, needs_parentheses: type | UnionType) -> str:
    text = query_text(node)
    return f"({text})" if isinstance(node, needs_parentheses) else text
