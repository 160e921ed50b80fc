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
import math
import os
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from tantivy import FieldType, Occur, Query
from whoosh.writing import LockError

from coolpapers.papers.arxiv_ids import InvalidArxivId, normalize_arxiv_id
from search.backends.acronyms import AcronymCounts, Acronyms, count_new
from search.backends.analysis import (
    DEFAULT_FIELDS,
    FIELD_BOOSTS,
    MAX_PREFIX_TERMS,
    QUERY_FIELD,
    STOP_WORDS,
    american,
    marking_terms,
    marks,
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
from search.documents import PaperDocument, documents_for
from search.query import And, DateRange, Node, Not, Or, Phrase, Prefix, QueryError, Term

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
SIMILAR_TERMS = 15
COUNTED_HITS = 100  # best hits kept by a relevance count for the page that follows
FOUND_BY = ("title", "abstract")  # the fields similar papers share key terms in


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


class IndexLocked(LockError):
    """Another writer kept the index past WRITE_TIMEOUT. A Whoosh LockError, so the index
    task's autoretry (search.tasks) covers this backend too."""


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


class Breakdown:
    """A request's queries and counts: the strict query (its best hits kept for the first
    pages) and, when it finds fewer than RELAX_BELOW, the partial query ranked after it."""

    def __init__(self, strict: Query, strict_count: int, hits: list | None):
        self.strict = strict
        self.strict_count = strict_count
        self.hits = hits  # the strict query's first COUNTED_HITS hits, by relevance
        self.partial: Query | None = None
        self.partial_count = 0


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
        self._counted = threading.local()  # this thread's last relevance count and its hits
        self._speller: tuple[tuple, Speller] | None = None  # an index state's speller
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

    def _plan(self, searcher: tantivy.Searcher, query: Node) -> Plan:
        self._acronyms.refresh(self.root / self._generation, functools.partial(_forms, "title"))
        return plan(TantivyLexicon(searcher, self._acronyms), query)

    def _breakdown(self, searcher: tantivy.Searcher, request: SearchRequest) -> Breakdown:
        """The request's queries and counts, kept per thread for the page that follows."""
        last = getattr(self._counted, "last", None)
        if last is not None and last[0] == request and last[1] is searcher:
            return last[2]
        how = self._plan(searcher, request.query)
        core = _translate(searcher, how.query) if how.query is not None else None
        if core is None:
            raise QueryError("the query has only common words (like 'the' or 'of'); add more")
        ranked = core
        if how.title is not None and (title := _translate(searcher, how.title)) is not None:
            bonus = Query.const_score_query(title, TITLE_BONUS)
            ranked = Query.boolean_query([(Occur.Must, core), (Occur.Should, bonus)])
        strict = _filtered(searcher, request, ranked)
        if request.sort == "relevance":
            # Counting scores every match anyway: keep the best ones too, since a page of them
            # is what the caller asks for next (one pass over the postings instead of two).
            result = searcher.search(strict, limit=COUNTED_HITS, count=True)
            found = Breakdown(strict, result.count, result.hits)
        else:
            found = Breakdown(strict, _count(searcher, strict), None)
        if how.relaxable and found.strict_count < RELAX_BELOW:
            for least in dict.fromkeys((how.min_match, 1)):
                query = _filtered(searcher, request, _partial(searcher, how, core, least))
                found.partial, found.partial_count = query, _count(searcher, query)
                if found.partial_count:
                    break
        self._counted.last = (request, searcher, found)
        return found

    def count(self, request: SearchRequest) -> int:
        found = self._breakdown(self._get_searcher(), request)
        return found.strict_count + found.partial_count

    def strict_count(self, request: SearchRequest) -> int:
        return self._breakdown(self._get_searcher(), request).strict_count

    def page(self, request: SearchRequest, offset: int, limit: int) -> list[Hit]:
        if limit <= 0:
            return []
        searcher = self._get_searcher()
        found = self._breakdown(searcher, request)
        # The strict matches first, then the partial ones: a page may hold both.
        hits = self._hits(searcher, found.strict, request.sort, offset, limit, found.hits)
        if found.partial is not None and len(hits) < limit:
            rest = max(0, offset - found.strict_count)
            hits += self._hits(searcher, found.partial, request.sort, rest, limit - len(hits))
        return [Hit(searcher.doc(address).get_first("id"), float(score)) for score, address in hits]

    def _hits(
        self,
        searcher: tantivy.Searcher,
        query: Query,
        sort: str,
        offset: int,
        limit: int,
        counted: list | None = None,
    ) -> list:
        if counted is not None and offset + limit <= COUNTED_HITS:
            return list(counted[offset : offset + limit])
        if sort == "relevance":
            return searcher.search(query, limit=limit, offset=offset, count=False).hits
        return _newest_first(searcher, query, sort, offset, limit)

    def highlight_terms(
        self, request: SearchRequest, field: str
    ) -> Callable[[str], list[tuple[int, int]]]:
        name = TEXT_FIELDS.get(field, "stemmed")
        analyzer = ANALYZERS[name]
        try:  # the query as rewritten for searching, so expansions and split words are marked
            query = self._plan(self._get_searcher(), request.query).query or request.query
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

    def key_terms(self, text: str, count: int = 10) -> list[str]:
        return [term for term, _ in _weighted_terms(self._get_searcher(), text, count)]

    def more_like_this(self, arxiv_id: str, count: int = 10) -> list[Hit]:
        searcher = self._get_searcher()
        itself = Query.term_query(SCHEMA, "id", arxiv_id)
        docs = documents_for([arxiv_id]) if count > 0 and _count(searcher, itself) else []
        if not docs:
            return []
        # Whoosh's more_like: the paper's key terms, weighted, in an OR (here over titles too).
        terms = _weighted_terms(searcher, f"{docs[0].title} {docs[0].abstract}", SIMILAR_TERMS)
        if not terms:
            return []
        top = terms[0][1]
        like = _any(
            [
                Query.boost_query(
                    _any([_boosted(f, Query.term_query(SCHEMA, f, term)) for f in FOUND_BY]),
                    weight / top,
                )
                for term, weight in terms
            ]
        )
        query = Query.boolean_query([(Occur.Must, like), (Occur.MustNot, itself)])
        hits = searcher.search(query, limit=count, count=False).hits
        return [Hit(searcher.doc(address).get_first("id"), float(score)) for score, address in hits]

    def suggest(self, word: str) -> str | None:
        forms = ANALYZERS["words"].analyze(word)
        if len(forms) != 1 or not spellable(forms[0]):
            return None
        return self._spelling().suggest(forms[0])

    def _spelling(self) -> Speller:
        """The speller of the title words (the unstemmed "spelling" field) of the index in use,
        built again when its papers or segments change. A searcher object is new at every
        refresh, changed or not, so it cannot be the key."""
        searcher = self._get_searcher()
        state = (self._generation, searcher.num_docs, searcher.num_segments)
        with self._lock:
            if self._speller is None or self._speller[0] != state:
                self._speller = (state, Speller(searcher.terms_with_prefix("spelling", "")))
            return self._speller[1]

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


def _text(field: str, text: str) -> Query | None:
    """A word or phrase in one text field, analysed as the field is; None for only stopwords."""
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


def _prefix(searcher: tantivy.Searcher, field: str, prefix: str, scored: bool = True) -> Query:
    """The index's terms starting with `prefix` (its most frequent MAX_PREFIX_TERMS)."""
    terms = [t for t, _ in searcher.terms_with_prefix(field, prefix, limit=MAX_PREFIX_TERMS)]
    if not scored:
        return _unscored(Query.term_set_query(SCHEMA, field, terms))
    return _any([_boosted(field, Query.term_query(SCHEMA, field, t)) for t in terms])


def _category(searcher: tantivy.Searcher, code: str) -> Query:
    code = code.lower()
    if code.endswith((".", "*")):
        return _prefix(searcher, "categories", code.rstrip("*"), scored=False)
    return _unscored(Query.term_query(SCHEMA, "categories", code))


def _date_range(field: str, start: date | None, end: date | None) -> Query:
    """Days `start`..`end` inclusive; papers without this date never match."""
    lower = _seconds(start) if start else None
    upper = _seconds(end) + 86_399 if end else None
    return _unscored(Query.range_query(SCHEMA, field, FieldType.Integer, lower, upper))


def _translate(searcher: tantivy.Searcher, node: Node) -> Query | None:
    """Our query tree as a tantivy query; parts that analyse to nothing (stopwords) drop out."""
    check_deadline()
    if isinstance(node, Term | Phrase):
        if node.field is None or node.field in QUERY_FIELD:
            fields = DEFAULT_FIELDS if node.field is None else (QUERY_FIELD[node.field],)
            parts = [q for f in fields if (q := _text(f, node.text)) is not None]
            return _any(parts) if parts else None
        if node.field == "cat":
            return _category(searcher, node.text)
        if node.field == "id":
            try:
                arxiv_id = normalize_arxiv_id(node.text)
            except InvalidArxivId as exc:
                raise QueryError(str(exc)) from exc
            return _unscored(Query.term_query(SCHEMA, "id", arxiv_id))
        if node.field == "doi":
            return _unscored(Query.term_query(SCHEMA, "doi", node.text.lower()))
    if isinstance(node, Prefix):
        if node.field in ("cat", "id", "doi"):
            field = "categories" if node.field == "cat" else node.field
            return _prefix(searcher, field, node.text.lower(), scored=False)
        fields = DEFAULT_FIELDS if node.field is None else (QUERY_FIELD[node.field],)
        return _any([_prefix(searcher, f, node.text.lower()) for f in fields])
    if isinstance(node, DateRange):
        return _date_range(node.field, node.start, node.end)
    if isinstance(node, And):
        positive = [
            q
            for c in node.children
            if not isinstance(c, Not) and (q := _translate(searcher, c)) is not None
        ]
        if not positive:
            return None
        negative = [
            q
            for c in node.children
            if isinstance(c, Not) and (q := _translate(searcher, c.child)) is not None
        ]
        return Query.boolean_query(
            [(Occur.Must, q) for q in positive] + [(Occur.MustNot, q) for q in negative]
        )
    if isinstance(node, Or):
        parts = [q for c in node.children if (q := _translate(searcher, c)) is not None]
        return _any(parts) if parts else None
    if isinstance(node, Not):
        return None
    raise QueryError(f"unsupported query part {node!r}")


def _filtered(searcher: tantivy.Searcher, request: SearchRequest, query: Query) -> Query:
    """`query` with the request's filters, which match without scoring."""
    clauses = [(Occur.Must, query)]
    if request.include_categories:
        included = [_category(searcher, c) for c in request.include_categories]
        clauses.append((Occur.Must, _any(included)))
    for code in request.exclude_categories:
        clauses.append((Occur.MustNot, _category(searcher, code)))
    if request.date_from or request.date_to:
        dates = _date_range(request.date_field, request.date_from, request.date_to)
        clauses.append((Occur.Must, dates))
    if request.only_ids is not None:
        ids = Query.term_set_query(SCHEMA, "id", sorted(request.only_ids))
        clauses.append((Occur.Must, _unscored(ids)))
    return Query.boolean_query(clauses) if len(clauses) > 1 else query


def _partial(searcher: tantivy.Searcher, how: Plan, strict: Query, least: int) -> Query:
    """Papers with every required part and at least `least` units, the strict matches left
    out, ranked by units matched (UNIT_WEIGHT each) and then BM25."""
    units = []
    for unit in how.units:
        if (query := _translate(searcher, unit)) is not None:
            weight = Query.const_score_query(query, UNIT_WEIGHT)
            units.append(
                (Occur.Should, Query.boolean_query([(Occur.Should, query), (Occur.Should, weight)]))
            )
    clauses = [(Occur.Must, Query.boolean_query(units, minimum_number_should_match=least))]
    for node in how.required:
        negated = isinstance(node, Not)
        if (query := _translate(searcher, node.child if negated else node)) is not None:
            clauses.append((Occur.MustNot if negated else Occur.Must, query))
    clauses.append((Occur.MustNot, strict))
    return Query.boolean_query(clauses)


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


def _weighted_terms(searcher: tantivy.Searcher, text: str, count: int) -> list[tuple[str, float]]:
    """The text's stemmed words by tf-idf against the abstracts (BM25's idf), best first.
    Words no abstract has are left out: they say nothing about the corpus and find nothing."""
    papers = max(searcher.num_docs, 1)
    weights = {}
    for term, tf in Counter(ANALYZERS["stemmed"].analyze(text)).items():
        df = searcher.doc_freq("abstract", term)
        if df:
            weights[term] = tf * math.log(1 + (papers - df + 0.5) / (df + 0.5))
    return sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:count]
