"""The query tree compiled for an engine, written once for every engine (as wagtail's
modelsearch does): the walk over search.query's nodes, the rewrite and partial-match plan of
search.backends.rewrite, the title bonus and the request's filters.

An engine's compiler, made for one index state, fills in the leaves (a word or phrase in a
text field, a prefix, an exact value, a date range), how its queries combine, how it counts
them and how it cuts a page of hits. What it builds is the engine's own query type `Q`: match
arrays for Whoosh (search.backends.whoosh_arrays), tantivy queries for tantivy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from coolpapers.papers.arxiv_ids import InvalidArxivId, normalize_arxiv_id
from search.backends.analysis import DEFAULT_FIELDS, QUERY_FIELD
from search.backends.base import Found, Hit, SearchRequest, check_deadline
from search.backends.rewrite import RELAX_BELOW, Lexicon, Plan, plan
from search.query import And, DateRange, Node, Not, Or, Phrase, Prefix, QueryError, Term

Q = TypeVar("Q")

ONLY_STOP_WORDS = "the query has only common words (like 'the' or 'of'); add more"


@dataclass
class Compiled(Found, Generic[Q]):
    """A request compiled and counted on one index state: the strict query (with the best
    hits its count found, where counting ranks anyway) and, when it finds fewer than
    RELAX_BELOW, the partial query ranked after it."""

    compiler: QueryCompiler[Q]
    sort: str
    strict: Q
    strict_count: int
    best: list[Any] | None = None
    partial: Q | None = None
    partial_count: int = 0
    partial_best: list[Any] | None = None

    @property
    def count(self) -> int:
        return self.strict_count + self.partial_count

    def page(self, offset: int, limit: int) -> list[Hit]:
        if limit <= 0:
            return []
        # The strict matches first, then the partial ones: a page may hold both.
        hits = self.compiler.hits(self.strict, self.sort, offset, limit, self.best)
        if self.partial is not None and len(hits) < limit:
            rest = max(0, offset - self.strict_count)
            hits += self.compiler.hits(
                self.partial, self.sort, rest, limit - len(hits), self.partial_best
            )
        return hits


class QueryCompiler(ABC, Generic[Q]):
    """Requests as one engine's queries, on one index state (the lexicon's)."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon

    def plan(self, query: Node) -> Plan:
        """The query as rewritten for this index (search.backends.rewrite)."""
        return plan(self.lexicon, query)

    def find(self, request: SearchRequest) -> Compiled[Q]:
        """The request compiled and counted: strict AND (with the title bonus) and, when it
        finds fewer than RELAX_BELOW, the papers with the most units after it."""
        how = self.plan(request.query)
        core = self.compile(how.query) if how.query is not None else None
        if core is None:
            raise QueryError(ONLY_STOP_WORDS)
        ranked = core
        if how.title is not None and (title := self.compile(how.title)) is not None:
            ranked = self.title_bonus(core, title)
        must, must_not = self._filters(request)
        strict = self._filtered(ranked, must, must_not)
        found = Compiled(self, request.sort, strict, *self.count_best(strict, request.sort))
        if how.relaxable and found.strict_count < RELAX_BELOW:
            units = self._compiled(how.units)
            required = self._compiled(n for n in how.required if not isinstance(n, Not))
            excluded = self._compiled(n.child for n in how.required if isinstance(n, Not))
            for least in dict.fromkeys((how.min_match, 1)):
                relaxed = self.relaxed(core, units, required, excluded, least)
                found.partial = self._filtered(relaxed, must, must_not)
                # One pass: counting the partial matches ranks them, as for the strict ones.
                found.partial_count, found.partial_best = self.count_best(
                    found.partial, request.sort
                )
                if found.partial_count:
                    break
        return found

    def _compiled(self, nodes: Iterable[Node]) -> list[Q]:
        return [q for node in nodes if (q := self.compile(node)) is not None]

    def _filtered(self, query: Q, must: list[Q], must_not: list[Q]) -> Q:
        return self.all_of([query, *must], must_not) if must or must_not else query

    def _filters(self, request: SearchRequest) -> tuple[list[Q], list[Q]]:
        """The request's categories, dates and id set: what must match and must not."""
        must: list[Q] = []
        if request.include_categories:
            must.append(self.any_of([self.category(c) for c in request.include_categories]))
        must_not = [self.category(code) for code in request.exclude_categories]
        if request.date_from or request.date_to:
            must.append(self.date_range(request.date_field, request.date_from, request.date_to))
        if request.only_ids is not None:
            must.append(self.among("id", sorted(request.only_ids)))
        return must, must_not

    def compile(self, node: Node) -> Q | None:
        """Our query tree as the engine's query; parts that analyse to nothing (stop words)
        drop out, and None means nothing is left."""
        check_deadline()
        if isinstance(node, Term | Phrase):
            if node.field is None or node.field in QUERY_FIELD:
                fields = DEFAULT_FIELDS if node.field is None else (QUERY_FIELD[node.field],)
                parts = [q for f in fields if (q := self.text(f, node.text)) is not None]
                return self.any_of(parts) if parts else None
            if node.field == "cat":
                return self.category(node.text)
            if node.field == "id":
                try:
                    return self.exact("id", normalize_arxiv_id(node.text))
                except InvalidArxivId as exc:
                    raise QueryError(str(exc)) from exc
            if node.field == "doi":
                return self.exact("doi", node.text.lower())
        if isinstance(node, Prefix):
            if node.field in ("cat", "id", "doi"):
                field = "categories" if node.field == "cat" else node.field
                return self.prefix(field, node.text.lower(), scored=False)
            fields = DEFAULT_FIELDS if node.field is None else (QUERY_FIELD[node.field],)
            return self.any_of([self.prefix(f, node.text.lower()) for f in fields])
        if isinstance(node, DateRange):
            return self.date_range(node.field, node.start, node.end)
        if isinstance(node, And):
            positive = self._compiled(c for c in node.children if not isinstance(c, Not))
            if not positive:
                return None
            negative = self._compiled(c.child for c in node.children if isinstance(c, Not))
            return self.all_of(positive, negative)
        if isinstance(node, Or):
            parts = self._compiled(node.children)
            return self.any_of(parts) if parts else None
        if isinstance(node, Not):
            return None  # only an AND's child excludes (handled there)
        raise QueryError(f"unsupported query part {node!r}")

    def category(self, code: str) -> Q:
        """A category (cs.LG) or every category under a prefix (cs. or cs.*); no score."""
        code = code.lower()
        if code.endswith((".", "*")):
            return self.prefix("categories", code.rstrip("*"), scored=False)
        return self.exact("categories", code)

    # --- the leaves ----------------------------------------------------------------------
    @abstractmethod
    def text(self, field: str, text: str) -> Q | None:
        """A word or a phrase in a text field, analysed as the field is; None for only stop
        words."""

    @abstractmethod
    def prefix(self, field: str, prefix: str, scored: bool = True) -> Q:
        """The index's terms of `field` starting with `prefix` (at most MAX_PREFIX_TERMS)."""

    @abstractmethod
    def exact(self, field: str, value: str) -> Q:
        """Papers whose untokenised `field` is `value`, adding nothing to the score."""

    @abstractmethod
    def among(self, field: str, values: list[str]) -> Q:
        """Papers whose untokenised `field` is any of `values`, adding nothing to the score."""

    @abstractmethod
    def date_range(self, field: str, start: date | None, end: date | None) -> Q:
        """Days `start`..`end` inclusive, no score; papers without this date never match."""

    # --- how queries combine -------------------------------------------------------------
    @abstractmethod
    def all_of(self, positive: list[Q], negative: list[Q]) -> Q:
        """Papers matching every positive part and no negative one (at least one positive),
        scored by the sum of the positive parts."""

    @abstractmethod
    def any_of(self, parts: list[Q]) -> Q:
        """Papers matching any part, scored by the sum of the parts that match."""

    @abstractmethod
    def title_bonus(self, query: Q, title: Q) -> Q:
        """`query`, with TITLE_BONUS added to the papers that also match `title`."""

    @abstractmethod
    def relaxed(
        self, strict: Q, units: list[Q], required: list[Q], excluded: list[Q], least: int
    ) -> Q:
        """The partial matches: papers not matching `strict`, matching every `required` part,
        no `excluded` one and at least `least` units, ranked by units matched (UNIT_WEIGHT
        each) and then by score."""

    # --- counting and pages --------------------------------------------------------------
    @abstractmethod
    def count(self, query: Q) -> int:
        """How many papers match."""

    def count_best(self, query: Q, sort: str) -> tuple[int, list[Any] | None]:
        """How many papers match and, for an engine whose count ranks them anyway, its best
        hits in `sort` order for the first pages (else None)."""
        return self.count(query), None

    @abstractmethod
    def hits(
        self, query: Q, sort: str, offset: int, limit: int, best: list[Any] | None = None
    ) -> list[Hit]:
        """Hits offset..offset+limit of `query` in `sort` order (`best`: count_best's)."""
