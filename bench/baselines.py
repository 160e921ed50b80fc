"""Baseline benchmark: raw tantivy and SQLite FTS5 on the same corpus and queries as our search.

    python -m bench.baselines [--corpus PATH] [--engines tantivy,fts5] [--workdir DIR]
                              [--queries FILE] [--rounds 3]

Our search API is only fast or slow relative to something: this builds each raw engine from the
corpus (streamed, never held in memory) and times the BRIEF queries against it, so the API's
figures can be reported as ratios to engines measured on the same machine. Every query word is
required (AND, as the site searches); a request is the top 25 ids by BM25 plus the total count.
No Django: the engines are driven directly, with nothing between them and the timer.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import itertools
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import DEFAULT_CORPUS, QUERIES
from bench.results import peak_rss_mb, record

ENGINES = ("tantivy", "fts5")
LIMIT = 25
FIELDS = ("title", "abstract", "authors")
# The site's weights: a word in the title counts most, then an author name, then the abstract.
BOOSTS = {"title": 2.5, "abstract": 1.0, "authors": 2.0}
TANTIVY_HEAP = 512_000_000
TANTIVY_THREADS = 2  # the benchmark machine's cores
FTS5_BATCH = 5000


@dataclass(frozen=True)
class Paper:
    id: str
    title: str
    abstract: str
    authors: list[str]


@dataclass(frozen=True)
class Hits:
    ids: list[str]
    count: int


@dataclass
class Result:
    engine: str
    papers: int
    build_s: float
    size_mb: float
    times_ms: list[float]
    mean_hits: float
    note: str


def iter_papers(corpus: Path) -> Iterator[Paper]:
    """The corpus one record at a time, so a million papers cost no more memory than a hundred."""
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt", encoding="utf-8") as stream:
        for lineno, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as err:
                sys.exit(f"bench.baselines: {corpus}:{lineno}: not JSON ({err})")
            if not isinstance(raw, dict) or not raw.get("id"):
                sys.exit(f"bench.baselines: {corpus}:{lineno}: a record without an id")
            authors = raw.get("authors") or []
            if isinstance(authors, str):
                authors = [authors]
            yield Paper(
                id=str(raw["id"]),
                title=raw.get("title") or "",
                abstract=raw.get("abstract") or "",
                authors=[str(a) for a in authors if a],
            )


def read_queries(path: Path) -> list[str]:
    """One query per non-blank line, as bench.search reads the same file."""
    if not path.exists():
        sys.exit(f"bench.baselines: {path}: no such queries file")
    queries = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    queries = [q for q in queries if q]
    if not queries:
        sys.exit(f"bench.baselines: {path}: no queries in it")
    return queries


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    """p50, p95 and max, with the same p95 rule as bench.search so the figures compare."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95, ordered[-1]


def directory_mb(path: Path) -> float:
    """Bytes on disk under `path` (a file or a directory), in MB."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def quoted_words(text: str, escape_backslash: bool) -> list[str]:
    """Each word as a quoted string, so "in-context" or a stray quote is text, not syntax."""
    words = []
    for word in text.split():
        if escape_backslash:
            word = word.replace("\\", "\\\\").replace('"', '\\"')
        else:
            word = word.replace('"', '""')
        words.append(f'"{word}"')
    return words


# --- tantivy -------------------------------------------------------------------------------


class TantivyBaseline:
    """tantivy through its Python binding only: en_stem fields, BM25, boosts, AND."""

    name = "tantivy"

    def __init__(self, directory: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.directory = directory
        self.index = None
        self.searcher = None

    def schema(self):
        builder = self.tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        for field in FIELDS:
            builder.add_text_field(field, stored=False, tokenizer_name="en_stem")
        return builder.build()

    def build(self, papers: Iterable[Paper]) -> int:
        """Index every paper with a writer on both cores; returns how many."""
        self.directory.mkdir(parents=True, exist_ok=True)
        index = self.tantivy.Index(self.schema(), path=str(self.directory))
        writer = index.writer(heap_size=TANTIVY_HEAP, num_threads=TANTIVY_THREADS)
        count = 0
        Document = self.tantivy.Document
        for paper in papers:
            writer.add_document(
                Document(
                    id=paper.id, title=paper.title, abstract=paper.abstract, authors=paper.authors
                )
            )
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        return count

    def open(self) -> TantivyBaseline:
        """Open the index from disk, as a server would, and keep one searcher."""
        self.index = self.tantivy.Index.open(str(self.directory))
        self.searcher = self.index.searcher()
        return self

    def query(self, text: str):
        return self.index.parse_query(
            " ".join(quoted_words(text, escape_backslash=True)),
            list(FIELDS),
            field_boosts=BOOSTS,
            conjunction_by_default=True,
        )

    def search(self, text: str, limit: int = LIMIT) -> Hits:
        """One request: the stored ids of the top `limit` papers and the number that match."""
        searcher = self.searcher
        result = searcher.search(self.query(text), limit, count=True)
        ids = [searcher.doc(address).get_first("id") for _score, address in result.hits]
        return Hits(ids, result.count)

    def size_mb(self) -> float:
        return directory_mb(self.directory)

    def note(self, papers: int) -> str:
        version = importlib.metadata.version("tantivy")
        return f"tantivy {version}, en_stem, AND, top {LIMIT} + count, {papers:,} papers"

    def close(self) -> None:
        self.index = self.searcher = None


# --- SQLite FTS5 ---------------------------------------------------------------------------


def fts5_match(text: str) -> str:
    """An FTS5 query requiring every word: quoted strings separated by spaces (implicit AND)."""
    return " ".join(quoted_words(text, escape_backslash=False))


class Fts5Baseline:
    """SQLite's own full-text index: porter stemming, bm25() with the same column weights."""

    name = "fts5"
    SEARCH = (
        "SELECT id, bm25(papers, 0.0, {title}, {abstract}, {authors}) AS score FROM papers"
        " WHERE papers MATCH ? ORDER BY score LIMIT ?"
    ).format(**BOOSTS)
    COUNT = "SELECT count(*) FROM papers WHERE papers MATCH ?"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "papers.sqlite3"
        self.connection: sqlite3.Connection | None = None

    def build(self, papers: Iterable[Paper]) -> int:
        """Insert every paper in one transaction, batch by batch, then merge the b-trees."""
        self.directory.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute(
                "CREATE VIRTUAL TABLE papers USING fts5(id UNINDEXED, title, abstract, authors,"
                " tokenize='porter unicode61 remove_diacritics 2')"
            )
            rows = ((p.id, p.title, p.abstract, "; ".join(p.authors)) for p in papers)
            count = 0
            connection.execute("BEGIN")
            while batch := list(itertools.islice(rows, FTS5_BATCH)):
                connection.executemany("INSERT INTO papers VALUES (?, ?, ?, ?)", batch)
                count += len(batch)
            connection.execute("COMMIT")
            connection.execute("INSERT INTO papers(papers) VALUES('optimize')")
        finally:
            connection.close()
        return count

    def open(self) -> Fts5Baseline:
        self.connection = sqlite3.connect(self.path)
        return self

    def search(self, text: str, limit: int = LIMIT) -> Hits:
        """One request: the top `limit` ids by weighted bm25 and the number that match."""
        match = fts5_match(text)
        ids = [row[0] for row in self.connection.execute(self.SEARCH, (match, limit))]
        (count,) = self.connection.execute(self.COUNT, (match,)).fetchone()
        return Hits(ids, count)

    def size_mb(self) -> float:
        return directory_mb(self.directory)

    def note(self, papers: int) -> str:
        return (
            f"SQLite {sqlite3.sqlite_version} FTS5, porter unicode61, AND,"
            f" bm25 top {LIMIT} + count(*), {papers:,} papers"
        )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


BASELINES: dict[str, Callable[[Path], TantivyBaseline | Fts5Baseline]] = {
    "tantivy": TantivyBaseline,
    "fts5": Fts5Baseline,
}


# --- the run -------------------------------------------------------------------------------


def measure(
    search: Callable[[str], Hits], queries: Sequence[str], rounds: int
) -> tuple[list[float], float]:
    """One untimed pass (postings into the page cache), then `rounds` timed ones.

    Returns the time of every timed request in ms and the mean number of matches per query.
    """
    counts = [search(q).count for q in queries]
    times = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - started) * 1000)
    return times, statistics.fmean(counts)


def run_engine(
    name: str, corpus: Path, workdir: Path, queries: Sequence[str], rounds: int
) -> Result:
    """Build one engine from an empty directory, then time the queries against it."""
    directory = workdir / name
    if directory.exists():
        shutil.rmtree(directory)
    baseline = BASELINES[name](directory)
    print(f"{name}: building from {corpus} ...", flush=True)
    started = time.perf_counter()
    papers = baseline.build(iter_papers(corpus))
    build_s = time.perf_counter() - started
    if not papers:
        sys.exit(f"bench.baselines: {corpus}: no papers in it")
    baseline.open()
    try:
        times, mean_hits = measure(baseline.search, queries, rounds)
    finally:
        baseline.close()
    return Result(
        engine=name,
        papers=papers,
        build_s=build_s,
        size_mb=baseline.size_mb(),
        times_ms=times,
        mean_hits=mean_hits,
        note=baseline.note(papers),
    )


def report(result: Result, queries: int, rounds: int) -> None:
    """Print one engine's figures and hand them to the harness."""
    p50, p95, worst = percentiles(result.times_ms)
    print(
        f"{result.engine}: {result.papers} papers, build {result.build_s:.1f} s,"
        f" {result.size_mb:.1f} MB on disk"
    )
    print(
        f"  {queries} queries x {rounds} rounds: p50 {p50:.2f} ms   p95 {p95:.2f} ms"
        f"   max {worst:.2f} ms   {result.mean_hits:.1f} hits/query on average",
        flush=True,
    )
    prefix = f"baseline.{result.engine}"
    record(f"{prefix}.build_s", round(result.build_s, 3), "s", result.note)
    record(f"{prefix}.p50_ms", round(p50, 4), "ms", result.note)
    record(f"{prefix}.p95_ms", round(p95, 4), "ms", result.note)
    record(f"{prefix}.size_mb", round(result.size_mb, 2), "MB", result.note)


def run(
    corpus: Path, engines: Sequence[str], workdir: Path, queries: Sequence[str], rounds: int
) -> list[Result]:
    """Every engine in turn, one after the other so they never compete for the two cores."""
    results = []
    for name in engines:
        result = run_engine(name, corpus, workdir, queries, rounds)
        report(result, len(queries), rounds)
        results.append(result)
    return results


def main(argv: Sequence[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="JSON lines, .gz or not")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument(
        "--workdir", default="", help="kept afterwards; default: a temporary directory, removed"
    )
    parser.add_argument("--queries", default=str(QUERIES), help="one query per line")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the queries")
    args = parser.parse_args(argv)

    corpus = Path(args.corpus)
    if not corpus.is_file():
        sys.exit(f"bench.baselines: {corpus}: no such corpus")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in BASELINES]
    if not engines or unknown:
        sys.exit(
            f"bench.baselines: unknown engine(s) {', '.join(unknown) or '(none given)'};"
            f" choose from {', '.join(ENGINES)}"
        )
    if args.rounds < 1:
        sys.exit("bench.baselines: --rounds must be at least 1")
    queries = read_queries(Path(args.queries))

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="baselines-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        results = run(corpus, engines, workdir, queries, args.rounds)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    return results


if __name__ == "__main__":
    main()
