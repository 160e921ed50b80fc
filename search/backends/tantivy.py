"""A search backend on tantivy (Rust): the Whoosh backend's query language and behaviour, with
tantivy's BM25 and top-k collection doing the work that Python and NumPy do for Whoosh.

The project's query tree is translated into tantivy queries here (never through tantivy's own
query parser: the project's parser has already validated the reader's text). Text is analysed
in Rust as Whoosh analyses it: words of two or more characters, lowercased, accents folded,
Whoosh's stop words dropped and English stems, so "images" finds "image" and Schrödinger finds
Schrodinger. Title counts above abstract through per-field boosts on BM25.

Layout under the data dir: index/tantivy/<generation>/ holds one complete index and the file
CURRENT names the generation in use. A rebuild writes a new generation and swaps CURRENT
atomically, so a reader never sees a half-written index. Writers of a generation take turns on
its WRITELOCK file with flock, which the kernel releases when a writer dies: the file a killed
writer leaves behind never blocks the next one, and what it had not committed never appears.
"""

from __future__ import annotations

import calendar
import fcntl
import functools
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from tantivy import FieldType, Occur, Query

from search.backends.acronyms import AcronymCounts, Acronyms, count_new
from search.backends.analysis import (
    FIELD_BOOSTS,
    MAX_PREFIX_TERMS,
    STOP_WORDS,
    american,
    marking_terms,
    marks,
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
)
from search.backends.compiler import QueryCompiler
from search.backends.generations import IndexGenerations
from search.backends.rewrite import TITLE_BONUS, UNIT_WEIGHT, plan, split_word
from search.backends.spelling import Speller, SpellerCache, spellable
from search.documents import PaperDocument

# Whoosh's StemmingAnalyzer pattern \w+(\.?\w+)* with its two-character minimum built in: the
# same words, without a filter tantivy does not have.
TEXT_PATTERN = r"\w(?:\.?\w+)+"
NAME_PATTERN = r"\w+"


def _words_analyzer(stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TEXT_PATTERN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS)))
    )
    return (builder.filter(tantivy.Filter.stemmer("english")) if stem else builder).build()


ANALYZERS = {
    "stemmed": _words_analyzer(stem=True),
    # The spelling vocabulary: real words to suggest, not stems.
    "words": _words_analyzer(stem=False),
    # Whoosh's NAME_ANALYZER: every word, initials too, accents folded, never stemmed.
    "names": tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(NAME_PATTERN))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .build(),
}
# On ASCII text Python's re reads these patterns exactly as Rust's regex does.
ASCII_TOKENS = {
    "stemmed": re.compile(TEXT_PATTERN),
    "words": re.compile(TEXT_PATTERN),
    "names": re.compile(NAME_PATTERN),
}
TEXT_FIELDS = {
    "title": "stemmed",
    "abstract": "stemmed",
    "authors": "names",
    "comments": "stemmed",
    "journal": "stemmed",
}
DATE_FIELDS = ("submitted", "updated", "announced")
WRITE_TIMEOUT = 120.0
WRITER_HEAP = 50_000_000
BUILD_HEAP_PER_THREAD = 256_000_000
REFRESH_SECONDS = 0.5
COUNTED_HITS = 100  # best hits kept by a relevance count for the page that follows


# How many trailing letters of a stem may differ from the word, with a margin (measured: 2).
STEM_CHANGES = 3


def _ascii_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _after_dot(text: str, at: int) -> bool:
    """`at` follows "x." and so continues the word "x.y", as the token pattern reads it."""
    return at >= 2 and text[at - 1] == "." and _ascii_word_char(text[at - 2])


@functools.lru_cache(maxsize=200_000)
def _index_form(analyzer: str, word: str) -> str:
    """The form a word is indexed as, "" for a stop word (a pure function, so cached)."""
    if analyzer != "names":
        word = american(word.lower())
    forms = ANALYZERS[analyzer].analyze(word)
    return forms[0] if forms else ""


def _build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    for name, analyzer in TEXT_FIELDS.items():
        builder.add_text_field(name, tokenizer_name=analyzer, index_option="position")
    builder.add_text_field("spelling", tokenizer_name="words", index_option="basic")
    builder.add_text_field("doi", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("categories", tokenizer_name="raw", index_option="basic")
    for name in DATE_FIELDS:  # seconds since the epoch (UTC): fast fields sort and filter
        builder.add_integer_field(name, fast=True)
    builder.add_bytes_field("hash", stored=True)
    return builder.build()


SCHEMA = _build_schema()


def _seconds(value: date | datetime) -> int:
    """Seconds since the epoch: a date is its UTC midnight, as Whoosh stores it."""
    if isinstance(value, datetime):
        return int(value.astimezone(UTC).timestamp())
    return calendar.timegm(value.timetuple())


def _document(doc: PaperDocument) -> tantivy.Document:
    out = tantivy.Document()
    out.add_text("id", doc.arxiv_id)
    for name in TEXT_FIELDS:
        out.add_text(name, getattr(doc, name))
    out.add_text("spelling", doc.title)  # Whoosh's corrector also suggests title words
    if doc.doi:
        out.add_text("doi", doc.doi.lower())
    for code in doc.categories:
        out.add_text("categories", code.lower())
    for name in DATE_FIELDS:
        value = getattr(doc, name)
        if value is not None:
            out.add_integer(name, _seconds(value))
    out.add_bytes("hash", doc.content_hash.encode())
    return out


def _open_index(path: Path, create: bool = False) -> tantivy.Index:
    """An index with our analyzers registered (tantivy keeps only their names on disk) and a
    reader that changes state only when told to, so one request sees one state."""
    if create:
        index = tantivy.Index(SCHEMA, str(path), reuse=False)
    else:
        index = tantivy.Index.open(str(path))
        if index.schema != SCHEMA:
            raise IndexUnavailable(f"{path} has an older schema (run rebuild_index)")
    for name, analyzer in ANALYZERS.items():
        index.register_tokenizer(name, analyzer)
    index.config_reader(reload_policy="Manual")
    return index


@contextmanager
def write_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the flock on `path`, waiting up to `timeout` for the writer that has it."""
    with open(path, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    message = f"the search index is locked by another writer: {path}"
                    raise IndexLocked(message) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _committed(writer: tantivy.IndexWriter) -> Iterator[tantivy.IndexWriter]:
    """Commit what the block wrote, or nothing of it if it fails."""
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()  # ends the writer and frees tantivy's own lock


def _forms(field: str, text: str) -> list[str]:
    """A query's text as the field's documents were analysed (analysis.prepare first)."""
    name = TEXT_FIELDS[field]
    return ANALYZERS[name].analyze(prepare(text, english=name != "names"))


class TantivyLexicon:
    """The index's analysis and vocabulary, as query rewriting (search.backends.rewrite) asks."""

    def __init__(self, searcher: tantivy.Searcher, acronyms: Acronyms):
        self.searcher = searcher
        self.acronyms = acronyms

    def forms(self, field: str, text: str) -> list[str]:
        return _forms(field, text)

    def frequency(self, field: str, form: str) -> int:
        return self.searcher.doc_freq(field, form)


class TantivyBackend(IndexGenerations, SearchBackend):
    """Options: `path` (default DATA_DIR/index/tantivy) and `build_procs`, the indexing threads
    of a rebuild (2, as Whoosh's build processes)."""

    name = "tantivy"

    def __init__(self, path: str | os.PathLike | None = None, **options: Any):
        super().__init__(**options)
        self.root = Path(path or settings.DATA_DIR / "index" / "tantivy")
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._searcher: tantivy.Searcher | None = None
        self._generation: str | None = None
        self._checked = 0.0
        self._speller = SpellerCache()
        self._acronyms = Acronyms()

    # --- index directories ---------------------------------------------------------------
    def _create_empty(self) -> str:
        generation, path = self._new_generation()
        _open_index(path, create=True)
        self._swap(generation)
        return generation

    # --- writing -------------------------------------------------------------------------
    @contextmanager
    def _writer(self) -> Iterator[tuple[tantivy.IndexWriter, tantivy.Searcher]]:
        """The current generation's one writer, with a searcher on the state it starts from."""
        generation = self._current_generation() or self._create_empty()
        path = self.root / generation
        with write_lock(path / "WRITELOCK", WRITE_TIMEOUT):
            index = _open_index(path)
            with _committed(index.writer(heap_size=WRITER_HEAP, num_threads=1)) as writer:
                yield writer, index.searcher()
        self._checked = 0.0  # this process sees its own writes at once

    def index_documents(self, documents: Iterable[PaperDocument]) -> int:
        documents = list(documents)
        if not documents:
            return 0
        with self._writer() as (writer, _):
            for doc in documents:
                writer.delete_documents_by_term("id", doc.arxiv_id)
                writer.add_document(_document(doc))
        count_new(self.root / self._current_generation(), documents)
        return len(documents)

    def delete(self, arxiv_ids: Iterable[str]) -> int:
        ids = sorted(set(arxiv_ids))
        if not ids or self._current_generation() is None:
            return 0
        with self._writer() as (writer, searcher):
            present = _count(searcher, Query.term_set_query(SCHEMA, "id", ids))
            for arxiv_id in ids:
                writer.delete_documents_by_term("id", arxiv_id)
        return present

    def rebuild(
        self, documents: Iterable[PaperDocument], progress: ProgressCallback | None = None
    ) -> int:
        generation, path = self._new_generation()
        threads = max(1, min(os.cpu_count() or 1, int(self.options.get("build_procs", 2))))
        count = 0
        acronyms = AcronymCounts()
        try:
            index = _open_index(path, create=True)
            writer = index.writer(heap_size=BUILD_HEAP_PER_THREAD * threads, num_threads=threads)
            with _committed(writer):
                for doc in acronyms.watch(documents):
                    writer.add_document(_document(doc))
                    count += 1
                    if progress and count % 1000 == 0:
                        progress(count)
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
        generation = self._create_empty()
        self._prune(keep={generation})
        self._checked = 0.0

    # --- reading -------------------------------------------------------------------------
    def _get_searcher(self) -> tantivy.Searcher:
        """The open searcher, refreshed when the index changed (checked at most twice a second)."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is not None and now - self._checked < REFRESH_SECONDS:
                return self._searcher
            self._checked = now
            generation = self._current_generation()
            if generation is None:
                raise IndexUnavailable("the search index has not been built (run rebuild_index)")
            try:
                if generation != self._generation or self._index is None:
                    self._index = _open_index(self.root / generation)
                    self._generation = generation
                else:
                    self._index.reload()
            except (OSError, ValueError) as exc:
                raise IndexUnavailable(f"the search index cannot be read: {exc}") from exc
            self._searcher = self._index.searcher()
            return self._searcher

    def _lexicon(self, searcher: tantivy.Searcher) -> TantivyLexicon:
        self._acronyms.refresh(self.root / self._generation, functools.partial(_forms, "title"))
        return TantivyLexicon(searcher, self._acronyms)

    def find(self, request: SearchRequest) -> Found:
        searcher = self._get_searcher()
        return TantivyCompiler(searcher, self._lexicon(searcher)).find(request)

    def highlight_terms(
        self, request: SearchRequest, field: str
    ) -> Callable[[str], list[tuple[int, int]]]:
        name = TEXT_FIELDS.get(field, "stemmed")
        analyzer = ANALYZERS[name]
        try:  # the query as rewritten for searching, so expansions and split words are marked
            lexicon = self._lexicon(self._get_searcher())
            query = plan(lexicon, request.query).query or request.query
        except IndexUnavailable:
            query = request.query
        texts, prefixes = marking_terms(query, field)
        english = name != "names"
        wanted = {form for text in texts for form in analyzer.analyze(prepare(text, english))}
        pattern = ASCII_TOKENS[name]

        def engine_words(text: str) -> Iterator[tuple[str, int, int]]:
            # The engine's own tokens with their places: exactly the words the index holds.
            for token in analyzer.pre_tokenize(text).tokens:
                yield token.text, token.char_offset_from, token.char_offset_to

        slow = span_finder(engine_words, wanted, prefixes)
        # English stems keep all but at most the last two letters of the lowercased word
        # ("dying" -> "die"), so a marked ASCII word starts with one of these heads.
        heads = {term[: max(1, len(term) - STEM_CHANGES)] for term in (*wanted, *prefixes)}
        marked = marks(wanted, prefixes)

        def spans(text: str) -> list[tuple[int, int]]:
            if not text.isascii():
                return slow(text)
            # Most abstracts are ASCII: C string search finds where a marked word could start,
            # and only those words are read (each distinct word analysed once per process).
            lowered, starts = text.lower(), set()
            for head in heads:
                at = lowered.find(head)
                while at >= 0:
                    starts.add(at)
                    at = lowered.find(head, at + 1)
            found = []
            for at in sorted(starts):
                if at and (_ascii_word_char(text[at - 1]) or _after_dot(text, at)):
                    continue  # inside a word
                match = pattern.match(text, at)
                if match and marked(_index_form(name, match.group())):
                    found.append(match.span())
            return found

        return spans

    def suggest(self, word: str) -> str | None:
        forms = ANALYZERS["words"].analyze(word)
        if len(forms) != 1 or not spellable(forms[0]):
            return None
        speller = self._spelling()
        return speller.suggest(forms[0]) if speller else None

    def _spelling(self) -> Speller | None:
        """The speller of the title words (the unstemmed "spelling" field) of the index in use,
        built again when its papers or segments change (SpellerCache: a request never waits
        for one to be built). A searcher object is new at every refresh, changed or not, so it
        cannot be the key."""
        searcher = self._get_searcher()
        state = (self._generation, searcher.num_docs, searcher.num_segments)
        return self._speller.get(state, lambda: list(searcher.terms_with_prefix("spelling", "")))

    def is_known(self, word: str) -> bool:
        """Whether any title or abstract contains the word (after stemming), or its two
        halves ("selfsupervised": search reads it as "self supervised")."""
        searcher = self._get_searcher()
        if all(
            searcher.doc_freq("title", t) or searcher.doc_freq("abstract", t)
            for t in _forms("title", word)
        ):
            return True
        return split_word(TantivyLexicon(searcher, self._acronyms), word) is not None

    def document_count(self) -> int:
        try:
            return self._get_searcher().num_docs
        except IndexUnavailable:
            return 0

    def stored_hashes(self) -> dict[str, str]:
        searcher = self._get_searcher()
        if not searcher.num_docs:
            return {}
        everything = searcher.search(Query.all_query(), limit=searcher.num_docs, count=False)
        out = {}
        for _, address in everything.hits:
            doc = searcher.doc(address)
            out[doc.get_first("id")] = doc.get_first("hash").decode()
        return out

    def health(self) -> IndexHealth:
        try:
            searcher = self._get_searcher()
            return IndexHealth(True, self.name, searcher.num_docs, f"generation {self._generation}")
        except Exception as exc:  # health reports any failure instead of raising
            return IndexHealth(False, self.name, 0, f"{type(exc).__name__}: {exc}")


# --- the query tree in tantivy -----------------------------------------------------------
def _count(searcher: tantivy.Searcher, query: Query) -> int:
    return searcher.search(query, limit=1, count=True).count  # tantivy needs a limit of 1+


def _any(parts: list[Query]) -> Query:
    """Documents matching any part, scored by the sum of the parts that match (Whoosh's OR)."""
    if len(parts) == 1:
        return parts[0]
    return Query.boolean_query([(Occur.Should, part) for part in parts])


def _unscored(query: Query) -> Query:
    """A filter: matches as `query` does and adds nothing to the score (Whoosh's scored=False)."""
    return Query.const_score_query(query, 0.0)


def _boosted(field: str, query: Query) -> Query:
    return Query.boost_query(query, FIELD_BOOSTS[field])


class TantivyCompiler(QueryCompiler[Query]):
    """The query tree as tantivy queries on one searcher (never through tantivy's own query
    parser: the project's parser has already validated the reader's text)."""

    def __init__(self, searcher: tantivy.Searcher, lexicon: TantivyLexicon):
        super().__init__(lexicon)
        self.searcher = searcher

    def text(self, field: str, text: str) -> Query | None:
        name = TEXT_FIELDS[field]
        tokens = ANALYZERS[name].pre_tokenize(prepare(text, english=name != "names")).tokens
        if not tokens:
            return None
        if len(tokens) == 1:
            return _boosted(field, Query.term_query(SCHEMA, field, tokens[0].text))
        # Positions from the analyzer keep the gaps where stopwords were, as the index has them.
        start = tokens[0].position
        words = [(t.position - start, t.text) for t in tokens]
        return _boosted(field, Query.phrase_query(SCHEMA, field, words))

    def prefix(self, field: str, prefix: str, scored: bool = True) -> Query:
        """The index's terms starting with `prefix` (its most frequent MAX_PREFIX_TERMS)."""
        found = self.searcher.terms_with_prefix(field, prefix, limit=MAX_PREFIX_TERMS)
        terms = [t for t, _ in found]
        if not scored:
            return _unscored(Query.term_set_query(SCHEMA, field, terms))
        return self.any_of([_boosted(field, Query.term_query(SCHEMA, field, t)) for t in terms])

    def exact(self, field: str, value: str) -> Query:
        return _unscored(Query.term_query(SCHEMA, field, value))

    def among(self, field: str, values: list[str]) -> Query:
        return _unscored(Query.term_set_query(SCHEMA, field, values))

    def date_range(self, field: str, start: date | None, end: date | None) -> Query:
        lower = _seconds(start) if start else None
        upper = _seconds(end) + 86_399 if end else None
        return _unscored(Query.range_query(SCHEMA, field, FieldType.Integer, lower, upper))

    def all_of(self, positive: list[Query], negative: list[Query]) -> Query:
        return Query.boolean_query(
            [(Occur.Must, q) for q in positive] + [(Occur.MustNot, q) for q in negative]
        )

    def any_of(self, parts: list[Query]) -> Query:
        return _any(parts)

    def title_bonus(self, query: Query, title: Query) -> Query:
        bonus = Query.const_score_query(title, TITLE_BONUS)
        return Query.boolean_query([(Occur.Must, query), (Occur.Should, bonus)])

    def relaxed(
        self,
        strict: Query,
        units: list[Query],
        required: list[Query],
        excluded: list[Query],
        least: int,
    ) -> Query:
        weighted = [
            Query.boolean_query(
                [(Occur.Should, unit), (Occur.Should, Query.const_score_query(unit, UNIT_WEIGHT))]
            )
            for unit in units
        ]
        enough = Query.boolean_query(
            [(Occur.Should, unit) for unit in weighted], minimum_number_should_match=least
        )
        return self.all_of([enough, *required], [*excluded, strict])

    def count(self, query: Query) -> int:
        return _count(self.searcher, query)

    def count_best(self, query: Query, sort: str) -> tuple[int, list | None]:
        if sort != "relevance":
            return self.count(query), None
        # Counting scores every match anyway: keep the best ones too, since a page of them is
        # what the caller asks for next (one pass over the postings instead of two).
        result = self.searcher.search(query, limit=COUNTED_HITS, count=True)
        return result.count, result.hits

    def hits(
        self, query: Query, sort: str, offset: int, limit: int, best: list | None = None
    ) -> list[Hit]:
        if best is not None and offset + limit <= COUNTED_HITS:
            found = best[offset : offset + limit]
        elif sort == "relevance":
            found = self.searcher.search(query, limit=limit, offset=offset, count=False).hits
        else:
            found = _newest_first(self.searcher, query, sort, offset, limit)
        doc = self.searcher.doc
        return [Hit(doc(address).get_first("id"), float(score)) for score, address in found]


def _newest_first(
    searcher: tantivy.Searcher, query: Query, field: str, offset: int, limit: int
) -> list[tuple[float, tantivy.DocAddress]]:
    """Hits by date, newest first, and by relevance within a date, as Whoosh orders them.

    tantivy orders by one fast field only. The date of the last hit wanted bounds the hits that
    can be on the page: those on or after it are ordered here by (date, score, address).
    """
    wanted = offset + limit
    newest = searcher.search(query, limit=wanted, count=False, order_by_field=field).hits
    if len(newest) <= offset:
        return []
    cutoff = newest[-1][0]
    if cutoff is not None:  # else the page reaches papers without the date: take them all
        since = Query.range_query(SCHEMA, field, FieldType.Integer, cutoff, None)
        query = Query.boolean_query([(Occur.Must, query), (Occur.Must, _unscored(since))])
    found = searcher.search(query, limit=wanted, count=True)
    hits = found.hits
    if found.count > len(hits):
        hits = searcher.search(query, limit=found.count, count=False).hits
    dates = searcher.fast_field_values(field, [address for _, address in hits])

    def order(i: int) -> tuple:
        score, address = hits[i]
        day = dates[i]
        return (day is None, -(day or 0), -score, address.segment_ord, address.doc)

    return [hits[i] for i in sorted(range(len(hits)), key=order)[offset:wanted]]
