"""Related papers: quality against arXiv categories, and the speed of a full recompute.

    python -m bench.related --corpus PATH [--sample 1000] [--seed 0] [--workers 2] [--new 2000]
        [--no-tfidf] [--rank-bm25 20] [--lists N]

Reads the corpus file directly (no database) and uses the app's own code
(coolpapers.related.corpus). Quality: for `--sample` random papers (fixed seed), the share of
their top 10 related papers that have the paper's primary category as primary category /
share any category with it — ours, Cool Papers' method (BM25 over the paper's 10 keywords)
and arxiv-sanity-lite's TF-IDF (1-2-grams, sublinear tf, min_df 5, max_df 0.5, title +
abstract + authors; capped at its default 10,000 features, and uncapped) cosine; `--no-tfidf`
skips TF-IDF, too heavy at a million papers. Categories are only read here, never by the model.
Speed: model build, then every paper's keywords and 20 related papers in `--workers`
processes (what `compute_related --all` does without the database; with `--lists N` only N
random papers' lists, and the full recompute extrapolated at their rate), then `--new` newest
papers added to a model of the others (what an ingestion does).
rank-bm25: the library our BM25 reproduces, over the very terms our model counts, scores the
full weighted queries of `--rank-bm25` random papers: its speed, and whether its top 10 are
ours (for the same query, and against our related lists).
Every figure a summary table needs is also handed to bench.results.record.
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
from importlib.metadata import version
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rank_bm25 import BM25Okapi

from bench import DEFAULT_CORPUS
from bench.results import current_rss_mb, record
from coolpapers.papers.text import fold
from coolpapers.related.corpus import CorpusModel, PaperText
from coolpapers.related.keywords import KEYWORDS, MIN_KEYWORD_DF
from coolpapers.related.similarity import BM25Params
from coolpapers.related.tokens import STOPWORDS, Analysis

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


def _compute_chunk(rows: Sequence[int]) -> list[list[str]]:
    assert _model is not None
    results = _model.compute([_papers[row] for row in rows])
    return [[pid for pid, _ in r.related] for r in results]


def compute_rows(workers: int, rows: Sequence[int]) -> list[list[str]]:
    """These papers' related ids, in chunks over `workers` forked processes."""
    chunks = [rows[s : s + CHUNK] for s in range(0, len(rows), CHUNK)]
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
    record("related.new_papers", len(new), "papers")
    record("related.new_s", elapsed, "s", "add + keywords + related lists")
    record("related.new_model_build_s", built, "s", f"{model.base_rows} papers")


# --- rank-bm25 -------------------------------------------------------------------------------


def document_terms(analysis: Analysis, terms: list[str], vocabulary: dict[str, int]) -> list[str]:
    """A paper's tokens exactly as the model counts them (CorpusModel.build): every word stem,
    the phrases the model kept, author and comment terms, with repeats.

    The strings are the model's own (`terms`), so rank-bm25's per-document dicts share their
    keys instead of each holding copies of its phrases: at a million papers that is gigabytes.
    """
    columns = [vocabulary[w] for w in analysis.words]
    columns += [c for c in map(vocabulary.get, analysis.phrases) if c is not None]
    columns += [vocabulary[e] for e in analysis.extra]
    return [terms[c] for c in columns]


def rank_bm25_index(
    papers: Sequence[PaperText], terms: list[str], vocabulary: dict[str, int], params: BM25Params
) -> BM25Okapi:
    """BM25Okapi over every paper's terms, fed one paper at a time (no list of all token
    lists), with the k1, b and epsilon our model uses."""
    documents = (document_terms(p.analyze(), terms, vocabulary) for p in papers)
    return BM25Okapi(documents, k1=params.k1, b=params.b, epsilon=params.epsilon)


def weighted_queries(
    model: CorpusModel, papers: Sequence[PaperText], rows: np.ndarray
) -> tuple[sp.csr_matrix, list[tuple[list[str], np.ndarray]]]:
    """Each paper's full weighted query as our engine builds it (CorpusModel.queries), as
    our query matrix and as (terms, weights) for rank-bm25."""
    query = model.queries([papers[row].analyze() for row in rows], rows)
    out = []
    for i in range(len(rows)):
        lo, hi = query.indptr[i], query.indptr[i + 1]
        out.append(([model.terms[c] for c in query.indices[lo:hi]], query.data[lo:hi].copy()))
    return query, out


def rank_bm25_scores(bm25: BM25Okapi, terms: Sequence[str], weights: np.ndarray) -> np.ndarray:
    """rank-bm25's scores of every paper for a weighted query.

    rank-bm25 takes a query as tokens that each count once per occurrence: a weight could only
    be an integer repeat, and get_batch_scores merely restricts the documents scored. Our query
    weighs each term by a real number, so this is the weighted sum of one get_scores([term])
    call per term: what get_scores(terms) computes term by term, with the weights. The scores
    are exact; the cost differs a little: each call adds a zeroed score array and a copy of
    doc_len (see `prepare_rank_bm25`) per term instead of per query. The run also times one
    stock get_scores(terms) call to show how little that is.
    """
    scores = np.zeros(bm25.corpus_size)
    for term, weight in zip(terms, weights, strict=True):
        scores += weight * bm25.get_scores([term])
    return scores


def prepare_rank_bm25(bm25: BM25Okapi) -> None:
    """Store doc_len as the array get_scores converts it to on every call (same values, same
    scores), so splitting a query into one call per term costs no conversion per term."""
    bm25.doc_len = np.asarray(bm25.doc_len)


def rank_bm25_mb(bm25: BM25Okapi) -> float:
    """What BM25Okapi's own containers take (its keys are the model's strings, its counts
    small cached ints); RSS growth would hide it in memory freed by earlier steps."""
    size = sys.getsizeof(bm25.doc_freqs) + sum(map(sys.getsizeof, bm25.doc_freqs))
    size += sys.getsizeof(bm25.idf) + sys.getsizeof(bm25.doc_len)
    return size / 2**20


def top_rows(scores: np.ndarray, exclude: int) -> list[int]:
    """The TOP best positive scores (score desc, then row asc, as BM25Index.top_k), not exclude."""
    scores = scores.copy()
    scores[exclude] = -np.inf
    positive = np.flatnonzero(scores > 0)
    if len(positive) > 4 * TOP:
        positive = positive[scores[positive] >= np.partition(scores[positive], -TOP)[-TOP]]
    return positive[np.lexsort((positive, -scores[positive]))][:TOP].tolist()


def rank_bm25_and_ours(
    model: CorpusModel, bm25: BM25Okapi, papers: Sequence[PaperText], row: int
) -> tuple[list[int], list[int]]:
    """Paper `row`'s TOP papers for its full weighted query: rank-bm25's, then our BM25Index's.
    Equal when our sparse products compute rank-bm25's formula (up to float rounding)."""
    rows = np.array([row])
    query, ((terms, weights),) = weighted_queries(model, papers, rows)
    ours, _ = model.index.top_k(query, TOP, exclude=rows, alive=model.alive)
    theirs = top_rows(rank_bm25_scores(bm25, terms, weights), row)
    return theirs, [r for r in ours[0].tolist() if r >= 0]


def overlap(a: Sequence[int], b: Sequence[int]) -> float:
    """Shared share of two top lists (1.0 for two equal lists, even shorter than TOP)."""
    return len(set(a) & set(b)) / max(len(a), len(b), 1)


def rank_bm25_run(
    papers: Sequence[PaperText],
    terms: list[str],
    vocabulary: dict[str, int],
    params: BM25Params,
    queries: list[tuple[list[str], np.ndarray]],
    rows: np.ndarray,
    ours_same_query: list[tuple[list[int], list[float]]],
    ours_lists: list[list[int]],
    ours_ms: float,
) -> None:
    """Builds BM25Okapi, scores the queries with it, prints and records; frees the index."""
    gc.collect()
    started = time.perf_counter()
    bm25 = rank_bm25_index(papers, terms, vocabulary, params)
    init = time.perf_counter() - started
    index_mb = rank_bm25_mb(bm25)
    print(
        f"\nrank-bm25 {version('rank-bm25')} BM25Okapi (k1 {params.k1}, b {params.b}, "
        f"epsilon {params.epsilon}) over our model's terms of all {bm25.corpus_size} papers: "
        f"init {init:.1f} s, its dicts {index_mb:.0f} MB (RSS now {current_rss_mb():.0f} MB, "
        f"peak {peak_rss_mb():.0f} MB)"
    )
    started = time.perf_counter()
    bm25.get_scores(queries[0][0])  # unweighted, doc_len still a list: the stock call's cost
    stock = time.perf_counter() - started
    prepare_rank_bm25(bm25)
    times, same, engine, differences = [], [], [], []
    for (query_terms, weights), row, (our_ids, our_scores), our_list in zip(
        queries, rows, ours_same_query, ours_lists, strict=True
    ):
        started = time.perf_counter()
        scores = rank_bm25_scores(bm25, query_terms, weights)
        times.append(time.perf_counter() - started)
        top = top_rows(scores, int(row))
        same.append(overlap(top, our_ids))
        engine.append(overlap(top, our_list[:TOP]))
        if our_ids:
            theirs = scores[our_ids]
            differences.append(np.abs(theirs - our_scores).max() / np.abs(our_scores).max())
    del bm25
    gc.collect()
    ms = 1000 * float(np.mean(times))
    terms_per_query = np.mean([len(t) for t, _ in queries])
    print(
        f"rank-bm25: {len(rows)} random papers, full weighted query ({terms_per_query:.0f} terms "
        f"on average, one get_scores call per term): {ms:.1f} ms/paper vs ours {ours_ms:.2f} "
        f"ms/paper (full recompute): {ms / ours_ms:.1f}x"
    )
    print(
        f"  (one stock get_scores over the first query's terms, unweighted: "
        f"{1000 * stock:.1f} ms; the same query weighted, per term: {1000 * times[0]:.1f} ms)"
    )
    print(
        f"rank-bm25 top {TOP} vs ours: {np.mean(same):.3f} overlap for the same weighted query "
        f"(scores of our top {TOP} differ by at most {max(differences, default=0):.1e} "
        f"relative); {np.mean(engine):.3f} with our related lists (candidates, then feedback)"
    )
    record("related.rank_bm25.init_s", init, "s", f"{len(papers)} papers")
    record("related.rank_bm25.ms_per_paper", ms, "ms", f"{len(rows)} papers, weighted query")
    record("related.rank_bm25.overlap", float(np.mean(engine)), "share", "vs our related lists")
    record(
        "related.rank_bm25.overlap_same_query",
        float(np.mean(same)),
        "share",
        "vs our BM25 index, same weighted query",
    )
    record("related.rank_bm25.index_mb", index_mb, "MB", "BM25Okapi's dicts")


def main(argv: Sequence[str] | None = None) -> None:
    """Runs the benchmark; argv defaults to the command line."""
    global _model, _papers
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--new", type=int, default=2000, help="0 skips the new-papers run")
    parser.add_argument("--tfidf-features", type=int, default=10000)
    parser.add_argument("--no-tfidf", action="store_true", help="skip the TF-IDF baselines")
    parser.add_argument(
        "--lists",
        type=int,
        default=0,
        help="compute the lists of this many random papers (plus the samples) and extrapolate "
        "the full recompute; 0 computes every paper's",
    )
    parser.add_argument(
        "--rank-bm25", type=int, default=20, help="papers scored by rank-bm25; 0 skips it"
    )
    args = parser.parse_args(argv)
    if not Path(args.corpus).exists():
        sys.exit(f"bench.related: {args.corpus}: no such corpus")

    started = time.perf_counter()
    papers, primary, categories, dates = read_corpus(Path(args.corpus))
    print(f"corpus: {len(papers)} papers read in {time.perf_counter() - started:.1f} s")
    record("related.papers", len(papers), "papers")

    started = time.perf_counter()
    model = CorpusModel.build(papers)
    built = time.perf_counter() - started
    print(
        f"model: {len(model.terms)} terms ({model.n_words} words, {model.n_phrases} phrases), "
        f"{model.index.weights.nnz} weights, built in {built:.1f} s"
    )
    _model, _papers = model, papers
    sample = sorted(random.Random(args.seed).sample(range(len(papers)), args.sample))
    bm25_rows = sorted(
        random.Random(args.seed + 2).sample(range(len(papers)), min(args.rank_bm25, len(papers)))
    )
    if args.lists and args.lists < len(papers):  # a random share, plus the papers compared
        chosen = set(random.Random(args.seed + 3).sample(range(len(papers)), args.lists))
        computed_rows = sorted(chosen | set(sample) | set(bm25_rows))
    else:
        computed_rows = list(range(len(papers)))
    whole = len(computed_rows) == len(papers)
    started = time.perf_counter()
    related_ids = compute_rows(args.workers, computed_rows)
    computed = time.perf_counter() - started
    if not whole:  # the lists' time for every paper, at the rate measured
        computed *= len(papers) / len(computed_rows)
    total = built + computed
    ms_per_paper = 1000 * total / len(papers)
    how = "" if whole else f", lists extrapolated from {len(computed_rows)} random papers"
    print(
        f"full recompute: {len(papers)} papers, keywords + {len(related_ids[0])} related each, "
        f"{args.workers} workers: build {built:.0f} s + lists {computed:.0f} s = {total:.0f} s "
        f"({ms_per_paper:.2f} ms/paper){how}"
    )
    record("related.workers", args.workers, "processes")
    record("related.build_s", built, "s")
    record("related.lists_s", computed, "s", how.lstrip(", "))
    record("related.full_s", total, "s", f"build + lists{how}")
    record("related.ms_per_paper", ms_per_paper, "ms", f"full recompute{how}")

    main_mb, worker_mb = peak_rss_mb(), peak_rss_mb(resource.RUSAGE_CHILDREN)
    print(
        f"peak RSS so far (ours only): main process {main_mb:.0f} MB, "
        f"largest worker {worker_mb:.0f} MB"
    )
    record("related.peak_main_mb", main_mb, "MB", "model build + lists")
    if args.workers > 1:
        record("related.peak_worker_mb", worker_mb, "MB")
    row_of = {p.arxiv_id: i for i, p in enumerate(papers)}
    ours_all = {
        row: [row_of[pid] for pid in ids]
        for row, ids in zip(computed_rows, related_ids, strict=True)
    }
    del related_ids
    rows = np.array(sample)
    rand = random.Random(args.seed + 1)
    lines = [
        (None, "random papers", [rand.sample(range(len(papers)), TOP) for _ in sample]),
        (
            "related.keywords_quality",
            "Cool Papers: BM25 over 10 keywords",
            keyword_baselines(model, rows, True),
        ),
        (
            None,
            "BM25 over our 10 keywords (words+phrases)",
            keyword_baselines(model, rows, False),
        ),
    ]
    if args.rank_bm25:
        # What rank-bm25 needs from the model, taken now so the model can go before it runs.
        bm25_rows = np.array(bm25_rows)
        query, bm25_queries = weighted_queries(model, papers, bm25_rows)
        started = time.perf_counter()
        ids, scores = model.index.top_k(query, TOP, exclude=bm25_rows, alive=model.alive)
        same_query_ms = 1000 * (time.perf_counter() - started) / len(bm25_rows)
        ours_same_query = [
            ([r for r in i if r >= 0], [v for r, v in zip(i, s, strict=True) if r >= 0])
            for i, s in zip(ids.tolist(), scores.tolist(), strict=True)
        ]
        terms, vocabulary, params = model.terms, model.vocabulary, model.index.params
        del query, ids, scores
    _model = None
    del model
    tfidf_time = 0.0
    if not args.no_tfidf:
        started = time.perf_counter()
        uncapped, capped = tfidf_baselines(papers, rows, args.tfidf_features)
        tfidf_time = time.perf_counter() - started
        lines.append(
            (
                "related.tfidf_quality",
                f"arxiv-sanity TF-IDF, {args.tfidf_features} features",
                capped,
            )
        )
        lines.append((None, "arxiv-sanity TF-IDF, all features", uncapped))
    lines.append(
        ("related.quality", "ours: BM25, full weighted query", [ours_all[i] for i in sample])
    )
    print(f"\nquality, {args.sample} random papers (seed {args.seed}), top {TOP}:")
    print(f"  {'method':45s} primary   any")
    for key, name, lists in lines:
        p, a = shares(lists, sample, primary, categories)
        print(f"  {name:45s} {p.mean():.3f}   {a.mean():.3f}")
        if key:
            note = f"{args.sample} random papers"
            record(f"{key}_primary", float(p.mean()), "share", note)
            record(f"{key}_any", float(a.mean()), "share", note)
    if whole:
        p, a = shares(
            [ours_all[r] for r in range(len(papers))], range(len(papers)), primary, categories
        )
        print(
            f"  {'ours, all ' + str(len(papers)) + ' papers':45s} {p.mean():.3f}   {a.mean():.3f}"
        )
    sample_error = 1.96 * p.std() / math.sqrt(len(sample))
    print(f"  (95% interval of a {len(sample)}-paper sample: +-{sample_error:.3f} primary)")
    if not args.no_tfidf:
        print(f"  (TF-IDF features and scores took {tfidf_time:.0f} s)")

    if args.new:
        print()
        new_papers_run(papers, dates, args.new)
    if args.rank_bm25:
        print(
            f"\nour BM25 index, the same queries, every paper scored: {same_query_ms:.2f} ms/paper"
        )
        rank_bm25_run(
            papers,
            terms,
            vocabulary,
            params,
            bm25_queries,
            bm25_rows,
            ours_same_query,
            [ours_all[row] for row in bm25_rows],
            ms_per_paper,
        )
    print(f"\npeak RSS with the baselines: main process {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
