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

from coolpapers.papers.text import fold_word
from search.backends.acronyms import AcronymCounts, Acronyms, count_new
from search.backends.analysis import (
    FIELD_BOOSTS,
    MAX_PREFIX_TERMS,
    STOP_WORDS,
    american,
    marking_terms,
    prepare,
    span_finder,
)
from search.backends.base import (
    Found,
    Hit,
    IndexHealth,
    IndexLocked,
    IndexUnavailable,
    ProgressCallback,
    SearchBackend,
    SearchRequest,
    check_deadline,
)
from search.backends.compiler import Compiled, QueryCompiler
from search.backends.generations import IndexGenerations
from search.backends.rewrite import TITLE_BONUS, UNIT_WEIGHT, plan, split_word
from search.backends.spelling import Speller, SpellerCache, spellable
from search.backends.whoosh_arrays import ArraySearcher, Matches, PostingCache
from search.query import Node


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
        self._arrays: ArraySearcher | None = None
        self._acronyms = Acronyms()
        self._speller = SpellerCache()

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
        writer = _writer(index)
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
        writer = _writer(index)
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

    def _compiler(self, searcher) -> WhooshCompiler:
        """A compiler on this searcher's state, its match arrays kept between requests."""
        if self._arrays is None or self._arrays.searcher is not searcher:
            old = self._arrays.by_key() if self._arrays else None
            self._arrays = ArraySearcher(searcher, self.weighting, self._postings, old)
        return WhooshCompiler(self._arrays, self._lexicon(searcher), self._lock)

    def _lexicon(self, searcher) -> WhooshLexicon:
        self._acronyms.refresh(self.root / self._generation, functools.partial(_analyzed, "title"))
        return WhooshLexicon(searcher, self._acronyms)

    def find(self, request: SearchRequest) -> Found:
        with self._lock:
            searcher = self._get_searcher()
            compiler = self._compiler(searcher)
            raw = repr((self._stamp(searcher), request))
        return Remembered(
            "search:whoosh:" + hashlib.sha1(raw.encode()).hexdigest(), compiler, request
        )

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
            return plan(self._lexicon(self._get_searcher()), query).query or query
        except IndexUnavailable:
            return query

    def suggest(self, word: str) -> str | None:
        form = word.lower()
        if not spellable(form):  # before any work: a 499-letter word costs nothing
            return None
        speller = self._spelling()
        return speller.suggest(form) if speller else None

    def _spelling(self) -> Speller | None:
        """The speller of the title words (Whoosh's unstemmed spell_title field) of the index
        state in use (SpellerCache: a request never waits for one to be built)."""
        searcher = self._get_searcher()
        field = searcher.schema["title"].spelling_fieldname("title")
        return self._speller.get(self._stamp(searcher), lambda: list(_vocabulary(searcher, field)))

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


def _writer(index):
    """The index's writer, waiting up to WRITE_TIMEOUT for the one that holds the lock."""
    try:
        return index.writer(timeout=WRITE_TIMEOUT)
    except LockError as exc:
        raise IndexLocked(f"the search index is locked by another writer: {exc}") from exc


class Remembered(Found):
    """A request's counts and pages kept in Django's cache for CACHE_SECONDS, under the index
    state they were found on: a repeated search (an API client asking again) evaluates
    nothing, and a miss evaluates the request once for its count and all its pages."""

    def __init__(self, key: str, compiler: WhooshCompiler, request: SearchRequest):
        self.key = key
        self._compiler = compiler
        self._request = request
        self._found: Compiled[Matches] | None = None
        counts = cache.get(key)
        if counts is None:
            found = self._evaluated()
            counts = (found.count, found.strict_count)
            cache.set(key, counts, CACHE_SECONDS)
        self.count, self.strict_count = counts

    def _evaluated(self) -> Compiled[Matches]:
        if self._found is None:
            self._found = self._compiler.find(self._request)
        return self._found

    def page(self, offset: int, limit: int) -> list[Hit]:
        key = f"{self.key}:{offset}:{limit}"
        hits = cache.get(key)
        if hits is None:
            hits = self._evaluated().page(offset, limit)
            cache.set(key, hits, CACHE_SECONDS)
        return hits


class WhooshCompiler(QueryCompiler[Matches]):
    """The query tree as NumPy match arrays over every document of one searcher (Whoosh's own
    matchers walk postings in Python, one document at a time). Whoosh's readers are not
    thread-safe: the backend's lock is held while the arrays are read."""

    def __init__(self, arrays: ArraySearcher, lexicon: WhooshLexicon, lock: threading.RLock):
        super().__init__(lexicon)
        self.arrays = arrays
        self.lock = lock

    def find(self, request: SearchRequest) -> Compiled[Matches]:
        with self.lock:
            return super().find(request)

    def text(self, field: str, text: str) -> Matches | None:
        tokens = _analyzed(field, text)
        if not tokens:
            return None
        if len(tokens) == 1:
            return self.arrays.term(field, tokens[0])
        scores = self.any_of([self.arrays.term(field, t) for t in tokens]).scores
        return Matches(self.arrays.phrase(field, tokens) & self.arrays.alive, scores)

    def prefix(self, field: str, prefix: str, scored: bool = True) -> Matches:
        terms: set[str] = set()
        for seg in self.arrays.segments:
            for term in seg.reader.expand_prefix(field, prefix):
                check_deadline()
                terms.add(term.decode() if isinstance(term, bytes) else term)
                if len(terms) >= MAX_PREFIX_TERMS:
                    break
        return self.any_of([self.arrays.term(field, t, scored) for t in sorted(terms)])

    def exact(self, field: str, value: str) -> Matches:
        return self.arrays.term(field, value, scored=False)

    def among(self, field: str, values: list[str]) -> Matches:
        return self.any_of([self.exact(field, value) for value in values])

    def date_range(self, field: str, start: date | None, end: date | None) -> Matches:
        return self.arrays.date_range(field, start, end)

    def all_of(self, positive: list[Matches], negative: list[Matches]) -> Matches:
        out = Matches(positive[0].mask.copy(), positive[0].scores.copy())
        for part in positive[1:]:
            out.mask &= part.mask
            out.scores += part.scores
        for part in negative:
            out.mask &= ~part.mask
        return out

    def any_of(self, parts: list[Matches]) -> Matches:
        out = self.arrays.empty()
        for part in parts:
            check_deadline()
            out.mask |= part.mask
            out.scores += part.scores
        return out

    def title_bonus(self, query: Matches, title: Matches) -> Matches:
        scores = query.scores.copy()
        scores[title.mask] += TITLE_BONUS
        return Matches(query.mask, scores)

    def relaxed(
        self,
        strict: Matches,
        units: list[Matches],
        required: list[Matches],
        excluded: list[Matches],
        least: int,
    ) -> Matches:
        mask = self.arrays.alive & ~strict.mask
        scores = np.zeros(self.arrays.size, np.float32)
        for part in required:
            mask &= part.mask
            scores += part.scores
        for part in excluded:
            mask &= ~part.mask
        matched = np.zeros(self.arrays.size, np.int16)
        for part in units:
            matched += part.mask
            scores += part.scores
        return Matches(mask & (matched >= least), scores + UNIT_WEIGHT * matched)

    def count(self, query: Matches) -> int:
        return int(query.mask.sum())

    def hits(
        self, query: Matches, sort: str, offset: int, limit: int, best: list | None = None
    ) -> list[Hit]:
        with self.lock:
            top = self.arrays.top(query, offset, limit, None if sort == "relevance" else sort)
            stored = self.arrays.searcher.stored_fields
            return [Hit(stored(doc)["id"], score) for doc, score in top]
