"""The search-backend interface. Views and tasks talk to this; engines implement it.

A backend is chosen by the SEARCH_BACKEND setting (see `search.backends.get_backend`), the way
Django picks cache and database backends, so another engine plugs in without touching views.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, overload

from django.conf import settings

from search.query import Node

SORTS = ("relevance", "announced", "submitted")


class IndexUnavailable(Exception):
    """The index cannot answer (never built, or unreadable): a 503, not a reader's error."""


class IndexLocked(Exception):
    """Another writer kept the index past the engine's wait: the write can be retried later
    (search.tasks does), nothing of it was written."""


class SearchTimeout(Exception):
    """A search ran past its time budget (SEARCH_TIME_BUDGET) and was stopped: a 503, so one
    costly query holds a worker for seconds, never minutes."""


# When the running search must stop (time.monotonic()); None outside a search.
_deadline: ContextVar[float | None] = ContextVar("search_deadline", default=None)


def time_budget() -> float:
    """Seconds one search request may take (SEARCH_TIME_BUDGET)."""
    return float(settings.SEARCH_TIME_BUDGET)


@contextmanager
def deadline(ends: float | None = None) -> Iterator[float]:
    """Searches inside the block stop at `ends` (default: a time budget from now), or at an
    enclosing block's deadline if that comes first. Per thread: each request its own."""
    ends = time.monotonic() + time_budget() if ends is None else ends
    outer = _deadline.get()
    token = _deadline.set(ends if outer is None else min(ends, outer))
    try:
        yield ends
    finally:
        _deadline.reset(token)


def under_deadline() -> bool:
    """Whether a search with a time budget (a request) is running in this thread."""
    return _deadline.get() is not None


def check_deadline() -> None:
    """Raise SearchTimeout once the running search is past its deadline. Engines call this
    in every loop whose length a query decides (about 50 ns a call)."""
    ends = _deadline.get()
    if ends is not None and time.monotonic() > ends:
        raise SearchTimeout(
            "This search took too long and was stopped; try fewer or more specific words."
        )


@dataclass(frozen=True)
class SearchRequest:
    """A parsed query plus filters and order; immutable so it can key a cache."""

    query: Node
    include_categories: tuple[str, ...] = ()  # any of these (prefixes end with ".")
    exclude_categories: tuple[str, ...] = ()
    date_field: str = "announced"
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    only_ids: frozenset[str] | None = None  # restrict to these papers (e.g. one daily list)


@dataclass(frozen=True)
class Hit:
    arxiv_id: str
    score: float


@dataclass
class IndexHealth:
    ok: bool
    backend: str
    documents: int = 0
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Found(ABC):
    """A request as an engine evaluated it: its counts, and any page of its hits from the same
    index state. SearchResults keeps one per request, so the page after a count runs nothing
    again (the engine's work that counting did, such as its best hits, is kept here)."""

    count: int  # every result: the strict matches, then any partial ones
    strict_count: int  # those holding every term of the query

    @abstractmethod
    def page(self, offset: int, limit: int) -> list[Hit]:
        """Hits offset..offset+limit in the request's order (none for a limit of 0 or less)."""


class SearchResults(Sequence[Hit]):
    """Lazy results: the request is evaluated once, on the first count or slice, and each
    slice is cut from that evaluation, so Django's Paginator (which takes `count` and then
    one slice) costs one search per page. Together they have one time budget, from when the
    search was asked for."""

    def __init__(self, backend: SearchBackend, request: SearchRequest):
        self.backend = backend
        self.request = request
        self.ends = time.monotonic() + time_budget()
        self._found: Found | None = None
        self._pages: dict[tuple[int, int], list[Hit]] = {}

    def _evaluated(self) -> Found:
        if self._found is None:
            with deadline(self.ends):
                self._found = self.backend.find(self.request)
        return self._found

    @property
    def count(self) -> int:
        """Every result: the strict matches and any partial ones ranked after them."""
        return self._evaluated().count

    @property
    def strict_count(self) -> int:
        """How many results hold every term of the query (the first ones)."""
        return self._evaluated().strict_count

    @property
    def partial(self) -> bool:
        """Whether papers holding only some of the terms follow the strict matches (strict
        AND found fewer than search.backends.rewrite.RELAX_BELOW)."""
        return self.count > self.strict_count

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, int):
            if index < 0:
                index += self.count
            hits = self[index : index + 1]
            if not hits:
                raise IndexError(index)
            return hits[0]
        start, stop, step = index.indices(max(self.count, index.stop or 0))
        if step != 1:
            raise ValueError("search results slice with step 1 only")
        key = (start, stop)
        if key not in self._pages:
            found = self._evaluated()
            with deadline(self.ends):
                self._pages[key] = found.page(start, stop - start)
        return self._pages[key]


ProgressCallback = Callable[[int], None]


class SearchBackend(ABC):
    """What every search engine provides. Implementations must pass tests/search/contract.py."""

    name = "base"

    def __init__(self, **options: Any):
        self.options = options

    # --- writing -------------------------------------------------------------------------
    @abstractmethod
    def index_documents(self, documents: Iterable[Any]) -> int:
        """Add or replace documents (PaperDocument); returns how many were written."""

    @abstractmethod
    def delete(self, arxiv_ids: Iterable[str]) -> int:
        """Remove papers from the index."""

    @abstractmethod
    def rebuild(self, documents: Iterable[Any], progress: ProgressCallback | None = None) -> int:
        """Build a complete new index from `documents` and swap it in atomically."""

    @abstractmethod
    def clear(self) -> None:
        """Empty the index."""

    # --- reading -------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResults:
        return SearchResults(self, request)

    @abstractmethod
    def find(self, request: SearchRequest) -> Found:
        """The request evaluated on the index state in use: the papers matching every term,
        then (when they are fewer than RELAX_BELOW) the partial matches ranked after them.
        Raises QueryError for a query the engine cannot run (only stop words)."""

    def count(self, request: SearchRequest) -> int:
        """Number of papers the request shows (a search of its own: use search() to page)."""
        return self.find(request).count

    def page(self, request: SearchRequest, offset: int, limit: int) -> list[Hit]:
        """Hits offset..offset+limit in the request's order (a search of its own)."""
        return self.find(request).page(offset, limit)

    @abstractmethod
    def highlight_terms(
        self, request: SearchRequest, field: str
    ) -> Callable[[str], list[tuple[int, int]]]:
        """A function giving the (start, end) character spans of `field` text that the
        request's terms match (after the engine's analysis: stemming, accents)."""

    @abstractmethod
    def suggest(self, word: str) -> str | None:
        """A better-known spelling of a word the titles do not have ("did you mean"), or None.
        Its cost must not grow with the word's length or the corpus (search.backends.spelling:
        a word longer than MAX_WORD letters gets None at once)."""

    @abstractmethod
    def is_known(self, word: str) -> bool:
        """Whether any title or abstract has the word (after the engine's analysis)."""

    @abstractmethod
    def document_count(self) -> int:
        """How many papers the index holds."""

    @abstractmethod
    def stored_hashes(self) -> dict[str, str]:
        """arXiv id → content hash of every indexed paper (for check_index)."""

    @abstractmethod
    def health(self) -> IndexHealth:
        """Whether the index can answer queries."""
