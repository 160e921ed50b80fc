"""Related papers: quality against arXiv categories, and the speed of a full recompute.

    python -m bench.related --corpus PATH [--sample 1000] [--seed 0] [--workers 2] [--new 2000]

Reads the corpus file directly (no database) and uses the app's own code
(coolpapers.related.corpus). Quality: for `--sample` random papers (fixed seed), the share of
their top 10 related papers that have the paper's primary category as primary category /
share any category with it — ours, Cool Papers' method (BM25 over the paper's 10 keywords)
and arxiv-sanity-lite's TF-IDF (1-2-grams, sublinear tf, min_df 5, max_df 0.5, title +
abstract + authors; capped at its default 10,000 features, and uncapped) cosine.
Categories are only read here, never by the model.
Speed: model build, then every paper's keywords and 20 related papers in `--workers`
processes (what `compute_related --all` does without the database), then `--new` newest
papers added to a model of the others (what an ingestion does).
"""

from __future__ import annotations

import argparse
import array
import gc
import gzip
import itertools
import json
import math
import multiprocessing
import random
import re
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from coolpapers.papers.text import fold
from coolpapers.related.corpus import CorpusModel, PaperText
from coolpapers.related.keywords import KEYWORDS, MIN_KEYWORD_DF
from coolpapers.related.tokens import STOPWORDS

DEFAULT_CORPUS = (
    Path(__file__).resolve().parents[2]
    / "shared/data/arxiv/corpus/daily-arxiv/daily_arxiv_merged.jsonl.gz"
)
# The daily-arXiv scraper appends MSC/ACM classes to `categories`; only arXiv codes count.
_CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z-]+)?")
TOP = 10
CHUNK = 2000

# Set before the worker processes fork, so they share them instead of receiving copies.
_model: CorpusModel | None = None
_papers: list[PaperText] = []


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def read_corpus(path: Path) -> tuple[list[PaperText], list[str], list[set[str]], list[str]]:
    papers, primary, categories, dates = [], [], [], []
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            papers.append(
                PaperText(
                    record["id"],
                    record["title"] or "",
                    record["abstract"] or "",
                    record["authors"] or [],
                    record.get("comment") or "",
                    content_hash=record["id"],
                )
            )
            primary.append(record["primary_category"])
            codes = {c for c in record["categories"] if _CATEGORY.fullmatch(c)}
            categories.append(codes | {record["primary_category"]})
            dates.append(record.get("announce_date") or "")
    return papers, primary, categories, dates


def _compute_chunk(bounds: tuple[int, int]) -> list[list[str]]:
    assert _model is not None
    results = _model.compute(_papers[bounds[0] : bounds[1]])
    return [[pid for pid, _ in r.related] for r in results]


def compute_all(workers: int) -> list[list[str]]:
    """Every paper's related ids, in chunks over `workers` forked processes."""
    chunks = [(s, min(s + CHUNK, len(_papers))) for s in range(0, len(_papers), CHUNK)]
    if workers <= 1:
        return [ids for chunk in chunks for ids in _compute_chunk(chunk)]
    gc.freeze()  # forked workers then share the model's pages instead of copying them
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return [ids for part in pool.imap(_compute_chunk, chunks) for ids in part]


def shares(
    lists: Sequence[Sequence[int]],
    queries: Sequence[int],
    primary: list[str],
    categories: list[set[str]],
) -> tuple[np.ndarray, np.ndarray]:
    """Per query: the share of its top 10 with the same primary category / any category."""
    same_primary, same_any = [], []
    for q, related in zip(queries, lists, strict=True):
        top = [r for r in related if r >= 0][:TOP]
        same_primary.append(sum(primary[r] == primary[q] for r in top) / TOP)
        same_any.append(sum(bool(categories[r] & categories[q]) for r in top) / TOP)
    return np.array(same_primary), np.array(same_any)


def keyword_baselines(model: CorpusModel, rows: np.ndarray, words_only: bool) -> list[list[int]]:
    """Cool Papers' [REL]: the paper's 10 keywords as a BM25 query, the top 10 papers."""
    weights = model.index.weights
    limit = model.n_words if words_only else model.n_words + model.n_phrases
    query = sp.lil_matrix((len(rows), weights.shape[1]))
    for i, row in enumerate(rows):
        lo, hi = weights.indptr[row], weights.indptr[row + 1]
        cols, values = weights.indices[lo:hi], weights.data[lo:hi]
        ok = (cols < limit) & (model.df[cols] >= MIN_KEYWORD_DF)
        cols, values = cols[ok], values[ok]
        for col in cols[np.lexsort((cols, -values))][:KEYWORDS]:
            query[i, col] = 1.0
    ids, _ = model.index.top_k(query.tocsr(), TOP, exclude=rows, alive=model.alive)
    return ids.tolist()


_TFIDF_TOKEN = re.compile(r"\b[a-z_][a-z0-9_]+\b")


def tfidf_baselines(
    papers: list[PaperText], rows: np.ndarray, max_features: int
) -> tuple[list[list[int]], list[list[int]]]:
    """arxiv-sanity-lite's features (compute.py defaults; capped at max_features, and not),
    cosine; English stop words are our STOPWORDS list instead of scikit-learn's."""
    vocabulary: dict[str, int] = {}
    indices, lengths = array.array("q"), array.array("q")
    for paper in papers:
        text = fold(" ".join([paper.title, paper.abstract, " ".join(paper.authors)]))
        tokens = [t for t in _TFIDF_TOKEN.findall(text) if t not in STOPWORDS]
        ids = [vocabulary.setdefault(t, len(vocabulary)) for t in tokens]
        before = len(indices)
        indices.extend(ids)
        # Bigrams of consecutive kept tokens, as scikit-learn builds them after stop words.
        indices.extend(-1 - (a * 2**24 + b) for a, b in itertools.pairwise(ids))
        lengths.append(len(indices) - before)
    n_docs = len(papers)
    doc = np.repeat(np.arange(n_docs, dtype=np.int32), np.frombuffer(lengths, dtype=np.int64))
    terms, column = np.unique(np.frombuffer(indices, dtype=np.int64), return_inverse=True)
    del indices
    counts = sp.csr_matrix((np.ones(len(doc)), (doc, column)), shape=(n_docs, len(terms)))
    del doc, column
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=len(terms))
    kept = np.flatnonzero((df >= 5) & (df <= 0.5 * n_docs))
    frequency = np.asarray(counts[:, kept].sum(axis=0)).ravel()
    capped = np.sort(kept[np.argsort(-frequency, kind="stable")[:max_features]])
    return _cosine_top(counts, df, kept, rows), _cosine_top(counts, df, capped, rows)


def _cosine_top(
    counts: sp.csr_matrix, df: np.ndarray, columns: np.ndarray, rows: np.ndarray
) -> list[list[int]]:
    n_docs = counts.shape[0]
    features = counts[:, columns].tocsr()
    idf = np.log((1 + n_docs) / (1 + df[columns])) + 1
    features.data = (1 + np.log(features.data)) * idf[features.indices]
    norms = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel())
    features = (sp.diags(1 / np.maximum(norms, 1e-12)) @ features).tocsr()
    postings = features.T.tocsr()
    top = []
    for start in range(0, len(rows), 100):  # 100 dense rows of similarities at a time
        part = rows[start : start + 100]
        similarity = (features[part] @ postings).toarray()
        similarity[np.arange(len(part)), part] = -np.inf
        top.extend(np.argsort(-similarity, axis=1, kind="stable")[:, :TOP].tolist())
    return top


def new_papers_run(papers: list[PaperText], dates: list[str], count: int) -> None:
    """A model of all but the newest `count` papers, then those papers added and computed."""
    newest = set(sorted(range(len(papers)), key=lambda i: (dates[i], i))[-count:])
    started = time.perf_counter()
    model = CorpusModel.build(p for i, p in enumerate(papers) if i not in newest)
    built = time.perf_counter() - started
    new = [papers[i] for i in sorted(newest)]
    started = time.perf_counter()
    analyses = [p.analyze() for p in new]
    model.append([p.arxiv_id for p in new], [p.content_hash for p in new], model.weigh(analyses))
    results = model.compute(new, analyses)
    elapsed = time.perf_counter() - started
    fresh = {p.arxiv_id for p in new}
    among_new = sum(pid in fresh for r in results for pid, _ in r.related)
    print(
        f"new papers: {count} added to a model of {model.base_rows} papers (built in "
        f"{built:.0f} s): keywords and related lists in {elapsed:.1f} s "
        f"({1000 * elapsed / count:.2f} ms/paper); {among_new / len(results):.1f} of each "
        f"list are other new papers"
    )


def main() -> None:
    global _model, _papers
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--new", type=int, default=2000, help="0 skips the new-papers run")
    parser.add_argument("--tfidf-features", type=int, default=10000)
    args = parser.parse_args()
    if not Path(args.corpus).exists():
        sys.exit(f"bench.related: {args.corpus}: no such corpus")

    started = time.perf_counter()
    papers, primary, categories, dates = read_corpus(Path(args.corpus))
    print(f"corpus: {len(papers)} papers read in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    model = CorpusModel.build(papers)
    built = time.perf_counter() - started
    print(
        f"model: {len(model.terms)} terms ({model.n_words} words, {model.n_phrases} phrases), "
        f"{model.index.weights.nnz} weights, built in {built:.1f} s"
    )
    _model, _papers = model, papers
    started = time.perf_counter()
    related_ids = compute_all(args.workers)
    computed = time.perf_counter() - started
    total = built + computed
    print(
        f"full recompute: {len(papers)} papers, keywords + {len(related_ids[0])} related each, "
        f"{args.workers} workers: build {built:.0f} s + lists {computed:.0f} s = {total:.0f} s "
        f"({1000 * total / len(papers):.2f} ms/paper)"
    )

    print(
        f"peak RSS so far (ours only): main process {peak_rss_mb():.0f} MB, "
        f"largest worker {peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB"
    )
    row_of = {p.arxiv_id: i for i, p in enumerate(papers)}
    ours_all = [[row_of[pid] for pid in ids] for ids in related_ids]
    sample = sorted(random.Random(args.seed).sample(range(len(papers)), args.sample))
    rows = np.array(sample)
    rand = random.Random(args.seed + 1)
    lines = [
        ("random papers", [rand.sample(range(len(papers)), TOP) for _ in sample]),
        ("Cool Papers: BM25 over 10 keywords", keyword_baselines(model, rows, True)),
        ("BM25 over our 10 keywords (words+phrases)", keyword_baselines(model, rows, False)),
    ]
    _model = None
    del model
    started = time.perf_counter()
    uncapped, capped = tfidf_baselines(papers, rows, args.tfidf_features)
    tfidf_time = time.perf_counter() - started
    lines.append((f"arxiv-sanity TF-IDF, {args.tfidf_features} features", capped))
    lines.append(("arxiv-sanity TF-IDF, all features", uncapped))
    lines.append(("ours: BM25, full weighted query", [ours_all[i] for i in sample]))
    print(f"\nquality, {args.sample} random papers (seed {args.seed}), top {TOP}:")
    print(f"  {'method':45s} primary   any")
    for name, lists in lines:
        p, a = shares(lists, sample, primary, categories)
        print(f"  {name:45s} {p.mean():.3f}   {a.mean():.3f}")
    p, a = shares(ours_all, range(len(papers)), primary, categories)
    print(f"  {'ours, all ' + str(len(papers)) + ' papers':45s} {p.mean():.3f}   {a.mean():.3f}")
    sample_error = 1.96 * p.std() / math.sqrt(len(sample))
    print(f"  (95% interval of a {len(sample)}-paper sample: +-{sample_error:.3f} primary)")
    print(f"  (TF-IDF features and scores took {tfidf_time:.0f} s)")

    if args.new:
        print()
        new_papers_run(papers, dates, args.new)
    print(f"\npeak RSS with the baselines: main process {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
