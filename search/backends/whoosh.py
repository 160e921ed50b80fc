"""The default search backend: Whoosh 2.7 (pure Python), BM25F over a stemmed index.

Layout under the data dir: index/whoosh/<generation>/ holds one complete index, and the file
CURRENT names the generation in use. A rebuild writes a new generation and swaps CURRENT
atomically, so a reader never sees a half-written index. Incremental updates go through
Whoosh's own write lock (one writer at a time; it is released if the writer dies).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import multiprocessing
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from whoosh import scoring
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, create_in, open_dir
from whoosh.writing import LockError

from coolpapers.papers.arxiv_ids import InvalidArxivId, normalize_arxiv_id
from coolpapers.papers.text import fold_word
from search.backends.acronyms import AcronymCounts, Acronyms, count_new
from search.backends.analysis import (
    DEFAULT_FIELDS,
    FIELD_BOOSTS,
    MAX_PREFIX_TERMS,
    QUERY_FIELD,
    STOP_WORDS,
    american,
    marking_terms,
    prepare,
    span_finder,
)
from search.backends.base import (
    Hit,
    IndexHealth,
    IndexUnavailable,
    ProgressCallback,
    SearchBackend,
    SearchRequest,
    check_deadline,
)
from search.backends.generations import IndexGenerations
from search.backends.rewrite import RELAX_BELOW, TITLE_BONUS, UNIT_WEIGHT, Plan, plan, split_word
from search.backends.spelling import Speller, spellable
from search.backends.vector import Matches, PostingCache, VectorSearcher
from search.query import And, DateRange, Node, Not, Or, Phrase, Prefix, QueryError, Term


class FoldFilter(Filter):
    """Accents folded as coolpapers.papers.text.fold folds them (ß as ss, ø as o), and before
    stemming: stemmed first, "Schrödinger" and "Schrodinger" became different stems."""

    def __call__(self, tokens):
        for token in tokens:
            if not token.text.isascii():
                token.text = fold_word(token.text)
            yield token


# Stemmed English with accents folded: "images" finds "image", Schrödinger finds Schrodinger.
# Text reaches it through analysis.prepare (TeX accents, ligatures, British endings).
TEXT_ANALYZER = (
    RegexTokenizer(r"\w+(\.?\w+)*")
    | LowercaseFilter()
    | FoldFilter()
    | StopFilter(stoplist=STOP_WORDS, minsize=2)
    | StemFilter(cachesize=50_000)
)
NAME_ANALYZER = RegexTokenizer(r"\w+") | LowercaseFilter() | FoldFilter()
CACHE_SECONDS = 300
WRITE_TIMEOUT = 120.0


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(
            analyzer=TEXT_ANALYZER, phrase=True, field_boost=FIELD_BOOSTS["title"], spelling=True
        ),
        abstract=TEXT(analyzer=TEXT_ANALYZER, phrase=True, field_boost=FIELD_BOOSTS["abstract"]),
        authors=TEXT(analyzer=NAME_ANALYZER, phrase=True, field_boost=FIELD_BOOSTS["authors"]),
        comments=TEXT(analyzer=TEXT_ANALYZER, phrase=False, field_boost=FIELD_BOOSTS["comments"]),
        journal=TEXT(analyzer=TEXT_ANALYZER, phrase=False, field_boost=FIELD_BOOSTS["journal"]),
        doi=ID(),
        categories=KEYWORD(lowercase=True, scorable=False),
        primary=ID(),
        submitted=DATETIME(sortable=True),
        updated=DATETIME(sortable=True),
        announced=DATETIME(sortable=True),
        hash=STORED(),
    )


def _as_datetime(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return datetime.combine(value, dtime())


@dataclass
class Found:
    """A request's matches: those with every term, and the partial matches ranked after them
    (None when the strict ones are enough or the query cannot be relaxed)."""

    strict: Matches
    partial: Matches | None = None

    @property
    def strict_count(self) -> int:
        return int(self.strict.mask.sum())

    @property
    def count(self) -> int:
        return self.strict_count + (int(self.partial.mask.sum()) if self.partial else 0)


class WhooshLexicon:
    """The index's analysis and vocabulary, as query rewriting (search.backends.rewrite) asks."""

    def __init__(self, searcher, acronyms: Acronyms):
        self.searcher = searcher
        self.acronyms = acronyms

    def forms(self, field: str, text: str) -> list[str]:
        return _analyzed(field, text)

    def frequency(self, field: str, form: str) -> int:
        return self.searcher.doc_frequency(field, form)


def _fields(doc: Any) -> dict[str, Any]:
    fields = {
        "id": doc.arxiv_id,
        "title": doc.title,
        "abstract": doc.abstract,
        "authors": doc.authors,
        "comments": doc.comments,
        "journal": doc.journal,
        "doi": doc.doi.lower(),
        "categories": " ".join(doc.categories),
        "primary": doc.categories[0].lower() if doc.categories else "",
        "hash": doc.content_hash,
    }
    for name in ("submitted", "updated", "announced"):
        value = _as_datetime(getattr(doc, name))
        if value is not None:
            fields[name] = value
    return fields


TOC_ATTEMPTS = 5  # reads of the index's table of contents while writers commit


class WhooshBackend(IndexGenerations, SearchBackend):
    name = "whoosh"

    def __init__(self, path: str | os.PathLike | None = None, **options: Any):
        super().__init__(**options)
        self.root = Path(path or settings.DATA_DIR / "index" / "whoosh")
        self.weighting = scoring.BM25F(B=options.get("B", 0.75), K1=options.get("K1", 1.2))
        self._lock = threading.RLock()
        self._index = None
        self._searcher = None
        self._generation: str | None = None
        self._checked = 0.0
        self._postings = PostingCache(int(options.get("postings_cache_mb", 256)) * 2**20)
        self._vector_searcher: VectorSearcher | None = None
        self._evaluated: dict[SearchRequest, Found] = {}
        self._acronyms = Acronyms()
        self._speller: tuple[str, Speller] | None = None  # (index state, its speller)

    # --- index directories ---------------------------------------------------------------
    def _writable_index(self):
        generation = self._current_generation()
        if generation is None:
            generation, path = self._new_generation()
            index = create_in(str(path), build_schema())
            self._swap(generation)
            return index
        return open_dir(str(self.root / generation))

    # --- writing -------------------------------------------------------------------------
    def index_documents(self, documents: Iterable[Any]) -> int:
        documents = list(documents)
        if not documents:
            return 0
        index = self._writable_index()
        try:
            writer = index.writer(timeout=WRITE_TIMEOUT)
        except LockError as exc:
            raise LockError(f"the search index is locked by another writer: {exc}") from exc
        # update_document() would open a reader per document (80 ms each on a large index):
        # delete the old versions through one searcher, then add.
        try:
            with writer.searcher() as searcher:
                for doc in documents:
                    writer.delete_by_term("id", doc.arxiv_id, searcher=searcher)
                    writer.add_document(**_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        count_new(self.root / self._current_generation(), documents)
        self._checked = 0.0  # this process sees its own writes at once
        return len(documents)

    def delete(self, arxiv_ids: Iterable[str]) -> int:
        ids = list(arxiv_ids)
        if not ids or self._current_generation() is None:
            return 0
        index = self._writable_index()
        writer = index.writer(timeout=WRITE_TIMEOUT)
        deleted = sum(writer.delete_by_term("id", i) for i in ids)
        writer.commit()
        self._checked = 0.0
        return deleted

    def rebuild(self, documents: Iterable[Any], progress: ProgressCallback | None = None) -> int:
        generation, path = self._new_generation()
        procs = max(1, min(os.cpu_count() or 1, int(self.options.get("build_procs", 2))))
        acronyms = AcronymCounts()
        try:
            count = _parallel_build(path, acronyms.watch(documents), procs, progress)
            acronyms.save(path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._swap(generation)
        self._prune(keep={generation})
        self._checked = 0.0
        if progress:
            progress(count)
        return count

    def clear(self) -> None:
        generation, path = self._new_generation()
        create_in(str(path), build_schema())
        self._swap(generation)
        self._prune(keep={generation})
        self._checked = 0.0

    # --- reading -------------------------------------------------------------------------
    def _get_searcher(self):
        """The open searcher, refreshed when the index changed (checked at most twice a second)."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is not None and now - self._checked < 0.5:
                return self._searcher
            self._checked = now
            generation = self._current_generation()
            if generation is None:
                raise IndexUnavailable("the search index has not been built (run rebuild_index)")
            attempt = 0
            while True:
                try:
                    return self._open_or_refresh(generation)
                except FileNotFoundError as exc:
                    # A writer committed between finding the newest table of contents and
                    # opening it, and removed it: the next look finds the new one.
                    attempt += 1
                    if attempt == TOC_ATTEMPTS:
                        raise IndexUnavailable(f"the search index cannot be read: {exc}") from exc
                    time.sleep(0.05 * attempt)

    def _open_or_refresh(self, generation: str):
        if generation != self._generation or self._searcher is None:
            index = open_dir(str(self.root / generation))
            searcher = index.searcher(weighting=self.weighting)
            if self._searcher is not None:
                self._searcher.close()
            self._index, self._searcher, self._generation = index, searcher, generation
        else:
            self._searcher = self._searcher.refresh()
        return self._searcher

    def _stamp(self, searcher) -> str:
        return f"{self._generation}:{searcher.ixreader.generation()}"

    def _cache_key(self, searcher, kind: str, request: SearchRequest, *extra: Any) -> str:
        raw = repr((self._stamp(searcher), kind, request, extra))
        return "search:whoosh:" + hashlib.sha1(raw.encode()).hexdigest()

    def _vector(self, searcher) -> VectorSearcher:
        if self._vector_searcher is None or self._vector_searcher.searcher is not searcher:
            old = self._vector_searcher.by_key() if self._vector_searcher else None
            self._vector_searcher = VectorSearcher(searcher, self.weighting, self._postings, old)
            self._evaluated.clear()
        return self._vector_searcher

    def _plan(self, searcher, query: Node) -> Plan:
        self._acronyms.refresh(self.root / self._generation, functools.partial(_analyzed, "title"))
        return plan(WhooshLexicon(searcher, self._acronyms), query)

    def _matches(self, searcher, request: SearchRequest) -> Found:
        """The request evaluated over every document (kept for the count-then-page pair)."""
        vs = self._vector(searcher)
        found = self._evaluated.get(request)
        if found is not None:
            return found
        how = self._plan(searcher, request.query)
        strict = _evaluate(vs, how.query) if how.query is not None else None
        if strict is None:
            raise QueryError("the query has only common words (like 'the' or 'of'); add more")
        allowed = _filters(vs, request)
        strict.mask &= allowed
        if how.title is not None:
            in_title = _evaluate(vs, how.title)
            strict.scores[in_title.mask] += TITLE_BONUS
        found = Found(strict)
        if how.relaxable and found.strict_count < RELAX_BELOW:
            found.partial = _partial(vs, how, allowed & ~strict.mask)
        self._evaluated[request] = found
        if len(self._evaluated) > 8:
            self._evaluated.pop(next(iter(self._evaluated)))
        return found

    def count(self, request: SearchRequest) -> int:
        return self._counts(request)[0]

    def strict_count(self, request: SearchRequest) -> int:
        return self._counts(request)[1]

    def _counts(self, request: SearchRequest) -> tuple[int, int]:
        """(every result, those with all the terms)."""
        with self._lock:
            searcher = self._get_searcher()
            key = self._cache_key(searcher, "count", request)
            found = cache.get(key)
            if found is None:
                matches = self._matches(searcher, request)
                found = (matches.count, matches.strict_count)
                cache.set(key, found, CACHE_SECONDS)
            return found

    def page(self, request: SearchRequest, offset: int, limit: int) -> list[Hit]:
        if limit <= 0:
            return []
        with self._lock:
            searcher = self._get_searcher()
            key = self._cache_key(searcher, "page", request, offset, limit)
            found = cache.get(key)
            if found is not None:
                return found
            matches = self._matches(searcher, request)
            sort = None if request.sort == "relevance" else request.sort
            vs = self._vector(searcher)
            # The strict matches first, then the partial ones: a page may hold both.
            top = vs.top(matches.strict, offset, limit, sort)
            if matches.partial is not None and len(top) < limit:
                rest = max(0, offset - matches.strict_count)
                top += vs.top(matches.partial, rest, limit - len(top), sort)
            hits = [Hit(searcher.stored_fields(doc)["id"], score) for doc, score in top]
            cache.set(key, hits, CACHE_SECONDS)
            return hits

    def highlight_terms(
        self, request: SearchRequest, field: str
    ) -> Callable[[str], list[tuple[int, int]]]:
        texts, prefixes = marking_terms(self._marked_query(request.query), field)
        wanted = {form for text in texts for form in _analyzed(field, text)}
        index_form = _name_form if field == "authors" else _text_form
        pattern = _NAME_WORD if field == "authors" else _TEXT_WORD

        def words(text: str) -> Iterator[tuple[str, int, int]]:
            # The analyzer's tokens, found by its regex, each word analysed once per process:
            # running the whole analyzer chain over every abstract cost ~2 ms a paper.
            for match in pattern.finditer(text):
                yield index_form(match.group()), *match.span()

        return span_finder(words, wanted, prefixes)

    def _marked_query(self, query: Node) -> Node:
        """The query as rewritten for searching, so expansions and split words are marked."""
        try:
            return self._plan(self._get_searcher(), query).query or query
        except IndexUnavailable:
            return query

    def key_terms(self, text: str, count: int = 10) -> list[str]:
        searcher = self._get_searcher()
        return [term for term, _ in searcher.key_terms_from_text("abstract", text, numterms=count)]

    def more_like_this(self, arxiv_id: str, count: int = 10) -> list[Hit]:
        searcher = self._get_searcher()
        docnum = searcher.document_number(id=arxiv_id)
        if docnum is None:
            return []
        from search.documents import documents_for

        docs = documents_for([arxiv_id])
        text = f"{docs[0].title} {docs[0].abstract}" if docs else None
        results = searcher.more_like(docnum, "abstract", text=text, top=count, numterms=15)
        return [Hit(hit["id"], float(hit.score or 0.0)) for hit in results]

    def suggest(self, word: str) -> str | None:
        form = word.lower()
        if not spellable(form):  # before any work: a 499-letter word costs nothing
            return None
        return self._spelling().suggest(form)

    def _spelling(self) -> Speller:
        """The speller of the title words (Whoosh's unstemmed spell_title field) of the index
        state in use, built on first use after a change."""
        with self._lock:
            searcher = self._get_searcher()
            stamp = self._stamp(searcher)
            if self._speller is None or self._speller[0] != stamp:
                field = searcher.schema["title"].spelling_fieldname("title")
                self._speller = (stamp, Speller(_vocabulary(searcher, field)))
            return self._speller[1]

    def is_known(self, word: str) -> bool:
        """Whether any title or abstract contains the word (after stemming), or its two
        halves ("selfsupervised": search reads it as "self supervised")."""
        searcher = self._get_searcher()
        tokens = _analyzed("title", word)
        if all(
            searcher.doc_frequency("title", t) or searcher.doc_frequency("abstract", t)
            for t in tokens
        ):
            return True
        return split_word(WhooshLexicon(searcher, self._acronyms), word) is not None

    def document_count(self) -> int:
        try:
            return self._get_searcher().doc_count()
        except IndexUnavailable:
            return 0

    def stored_hashes(self) -> dict[str, str]:
        searcher = self._get_searcher()
        return {fields["id"]: fields.get("hash", "") for fields in searcher.all_stored_fields()}

    def health(self) -> IndexHealth:
        try:
            searcher = self._get_searcher()
            return IndexHealth(
                True, self.name, searcher.doc_count(), f"generation {self._generation}"
            )
        except Exception as exc:  # health reports any failure instead of raising
            return IndexHealth(False, self.name, 0, f"{type(exc).__name__}: {exc}")


def _vocabulary(searcher, field: str) -> Iterator[tuple[str, int]]:
    """Every term of a field with its document frequency, segment by segment."""
    for reader, _ in searcher.ixreader.leaf_readers():
        if field in reader.schema and reader.doc_count_all():
            for term, info in reader.iter_field(field):
                yield (term.decode() if isinstance(term, bytes) else term), info.doc_frequency()


BUILD_BATCH = 250


def _build_part(path: str, batches: Any, limitmb: int) -> None:
    """A child process: index every batch it receives into its own single-segment index."""
    gc.disable()  # millions of posting tuples stay alive while Whoosh sorts them
    writer = create_in(path, build_schema()).writer(limitmb=limitmb)
    while (batch := batches.get()) is not None:
        for fields in batch:
            writer.add_document(**fields)
    writer.commit()


def _parallel_build(path: Path, documents: Iterable[Any], procs: int, progress) -> int:
    """Index with one process per core, then join their segments into one index.

    Analysis and posting writing are pure Python, so one process cannot use a second core;
    each child builds a segment of its own and the parent lists them all in a new table of
    contents (no merge: searches span the segments).
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=procs * 4)
    parts = [path / f".part{i}" for i in range(procs)]
    limitmb = 256
    children = [
        context.Process(target=_build_part, args=(str(part), queue, limitmb), daemon=True)
        for part in parts
    ]
    for part in parts:
        part.mkdir()
    # The children never touch the database; multiprocessing ends them with os._exit, so
    # the inherited connection is not closed under the parent's feet.
    for child in children:
        child.start()
    count = 0
    try:
        batch: list[dict[str, Any]] = []
        for doc in documents:
            batch.append(_fields(doc))
            count += 1
            if len(batch) == BUILD_BATCH:
                queue.put(batch)
                batch = []
                if progress and count % 1000 == 0:
                    progress(count)
        if batch:
            queue.put(batch)
        for _ in children:
            queue.put(None)
        for child in children:
            child.join()
            if child.exitcode != 0:
                raise RuntimeError(f"an index builder process failed (exit {child.exitcode})")
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
    segments = []
    for part in parts:
        part_index = open_dir(str(part))
        for segment in part_index._segments():
            segments.append(segment)
            for file in part.glob(f"{segment.segment_id()}.*"):
                file.rename(path / file.name)
        shutil.rmtree(part)
    storage = FileStorage(str(path))
    TOC(build_schema(), segments, 1).write(storage, "MAIN")
    return count


_TEXT_WORD = re.compile(r"\w+(\.?\w+)*")  # StemmingAnalyzer's RegexTokenizer pattern
_NAME_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=200_000)
def _text_form(word: str) -> str:
    """What a word becomes in a stemmed text field ("" for a stopword)."""
    tokens = [t.text for t in TEXT_ANALYZER(american(word.lower()))]
    return tokens[0] if len(tokens) == 1 else ""


@functools.lru_cache(maxsize=200_000)
def _name_form(word: str) -> str:
    tokens = [t.text for t in NAME_ANALYZER(word)]
    return tokens[0] if len(tokens) == 1 else ""


def _analyzed(field: str, text: str) -> list[str]:
    """A query's text as the field's documents were analysed (analysis.prepare first)."""
    if field == "authors":
        return [t.text for t in NAME_ANALYZER(prepare(text, english=False))]
    return [t.text for t in TEXT_ANALYZER(prepare(text))]


def _filters(vs: VectorSearcher, request: SearchRequest) -> np.ndarray:
    """The papers the request's categories, dates and id set allow."""
    mask = vs.alive.copy()
    if request.include_categories:
        mask &= _any(vs, [_category(vs, c) for c in request.include_categories])
    if request.exclude_categories:
        mask &= ~_any(vs, [_category(vs, c) for c in request.exclude_categories])
    if request.date_from or request.date_to:
        mask &= vs.date_range(request.date_field, request.date_from, request.date_to).mask
    if request.only_ids is not None:
        mask &= _any(vs, [vs.term("id", i, scored=False) for i in request.only_ids])
    return mask


def _partial(vs: VectorSearcher, how: Plan, allowed: np.ndarray) -> Matches:
    """Papers with every required part and the most units (at least how.min_match, or one if
    none has that many), ranked by units matched and then BM25F."""
    mask = allowed.copy()
    scores = np.zeros(vs.size, np.float32)
    for node in how.required:
        if isinstance(node, Not):
            if (excluded := _evaluate(vs, node.child)) is not None:
                mask &= ~excluded.mask
        elif (part := _evaluate(vs, node)) is not None:
            mask &= part.mask
            scores += part.scores
    matched = np.zeros(vs.size, np.int16)
    for unit in how.units:
        if (part := _evaluate(vs, unit)) is not None:
            matched += part.mask
            scores += part.scores
    enough = mask & (matched >= how.min_match)
    if not enough.any():
        enough = mask & (matched >= 1)
    return Matches(enough, scores + UNIT_WEIGHT * matched)


def _any(vs: VectorSearcher, parts: list[Matches]) -> np.ndarray:
    mask = np.zeros(vs.size, bool)
    for part in parts:
        mask |= part.mask
    return mask


def _category(vs: VectorSearcher, code: str) -> Matches:
    code = code.lower()
    if code.endswith(".") or code.endswith("*"):
        return _prefix(vs, "categories", code.rstrip("*"), scored=False)
    return vs.term("categories", code, scored=False)


def _prefix(vs: VectorSearcher, field: str, prefix: str, scored: bool = True) -> Matches:
    terms: set[str] = set()
    for seg in vs.segments:
        for term in seg.reader.expand_prefix(field, prefix):
            check_deadline()
            terms.add(term.decode() if isinstance(term, bytes) else term)
            if len(terms) >= MAX_PREFIX_TERMS:
                break
    return _union([vs.term(field, t, scored) for t in sorted(terms)], vs)


def _union(parts: list[Matches], vs: VectorSearcher) -> Matches:
    out = vs.empty()
    for part in parts:
        check_deadline()
        out.mask |= part.mask
        out.scores += part.scores
    return out


def _text(vs: VectorSearcher, field: str, text: str) -> Matches | None:
    tokens = _analyzed(field, text)
    if not tokens:
        return None
    if len(tokens) == 1:
        return vs.term(field, tokens[0])
    scores = _union([vs.term(field, t) for t in tokens], vs).scores
    return Matches(vs.phrase(field, tokens) & vs.alive, scores)


def _evaluate(vs: VectorSearcher, node: Node) -> Matches | None:
    """Our query tree over all documents; parts that analyse to nothing (stopwords) drop out."""
    check_deadline()
    if isinstance(node, Term | Phrase):
        if node.field in (None, *QUERY_FIELD):
            fields = DEFAULT_FIELDS if node.field is None else (QUERY_FIELD[node.field],)
            parts = [m for f in fields if (m := _text(vs, f, node.text)) is not None]
            return _union(parts, vs) if parts else None
        if node.field == "cat":
            return _category(vs, node.text)
        if node.field == "id":
            try:
                return vs.term("id", normalize_arxiv_id(node.text), scored=False)
            except InvalidArxivId as exc:
                raise QueryError(str(exc)) from exc
        if node.field == "doi":
            return vs.term("doi", node.text.lower(), scored=False)
    if isinstance(node, Prefix):
        if node.field in ("cat", "id", "doi"):
            field = "categories" if node.field == "cat" else node.field
            return _prefix(vs, field, node.text.lower(), scored=False)
        fields = DEFAULT_FIELDS if node.field is None else (QUERY_FIELD[node.field],)
        return _union([_prefix(vs, f, node.text.lower()) for f in fields], vs)
    if isinstance(node, DateRange):
        return vs.date_range(node.field, node.start, node.end)
    if isinstance(node, And):
        positive = [m for c in node.children if not isinstance(c, Not) and (m := _evaluate(vs, c))]
        negative = [
            m for c in node.children if isinstance(c, Not) and (m := _evaluate(vs, c.child))
        ]
        if not positive:
            return None
        out = Matches(positive[0].mask.copy(), positive[0].scores.copy())
        for part in positive[1:]:
            out.mask &= part.mask
            out.scores += part.scores
        for part in negative:
            out.mask &= ~part.mask
        return out
    if isinstance(node, Or):
        parts = [m for c in node.children if (m := _evaluate(vs, c)) is not None]
        return _union(parts, vs) if parts else None
    if isinstance(node, Not):
        return None
    raise QueryError(f"unsupported query part {node!r}")
