"""For you ranking: quality on simulated readers against the usual methods, and its speed.

    python -m bench.feed [--corpus PATH] [--train-days 60] [--test-days 5] [--interests 25]
        [--ks 5,10,20,50] [--repeats 2] [--seed 0] [--no-sanity]

No real ratings exist here, so readers are simulated on the real corpus (read directly, no
database; the site's own code: coolpapers.related.corpus for the features,
coolpapers.ranking.learn and .profiles for the model). Papers are split by announcement day:
the last `--test-days` days are held out (the later days a reader's feed ranks), the
`--train-days` before them are what the reader has seen and rated. A reader's interest is
every paper of a fine-grained category (any of the paper's categories, cross-lists count)
or every paper whose title or abstract uses a distinctive two-word phrase the corpus model
learned; the reader rates k of the interest's earlier papers 👍 and as many random other
earlier papers 👎. The held-out papers are ranked and scored against the interest's held-out
papers by ROC AUC and nDCG@20 (binary gains). Means over every reader and repeat.

Methods:
  ours            the site's profile model (learn.fit: logistic regression on unit BM25 rows,
                  👍 vs 👎 + random papers, plus the liked papers' mean row as prior)
  ours+keywords   the same with the reader's keywords (the category's name, or the phrase)
  arxiv-sanity    arxiv-sanity-lite's method: TF-IDF with its compute.py settings (1-2-grams,
                  20,000 features, min_df 5, max_df 0.1, sublinear tf, English stop words,
                  title + abstract + authors), LinearSVC(C=0.01, class_weight="balanced",
                  tol 1e-6, max_iter 10000) with the liked papers as positives and every
                  other paper of the corpus (held-out ones included) as negatives: serve.py's
                  svm_rank, which has no 👎
  sanity+👎       the same SVM trained on the same k 👍 + k 👎 rows as ours
  ❤ keywords     the site's ❤ sort: BM25 of the reader's keywords (their words)
  mean-liked      cosine to the mean unit BM25 row of the liked papers
  random          a random order

Speed: `profiles.fit_profile` for a profile of 500 👍 + 500 👎 (1,000 ratings, the random
negatives are then unused) and the ranking of 2,000 papers (rows, unit length, weights,
product, order, why of the 25 best), on the model of the window.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import django
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import roc_auc_score
from sklearn.svm import LinearSVC

from bench import DEFAULT_CORPUS
from bench.results import record

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
django.setup()

from coolpapers.papers.taxonomy import ARCHIVES, CATEGORIES  # noqa: E402
from coolpapers.ranking import features, learn, profiles  # noqa: E402
from coolpapers.related.corpus import CorpusModel, PaperText  # noqa: E402

_CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z-]+)?")
NDCG_AT = 20
METHODS = (
    "ours",
    "ours+keywords",
    "arxiv-sanity",
    "sanity+👎",
    "❤ keywords",
    "mean-liked",
    "random",
)


@dataclass
class Corpus:
    papers: list[PaperText]
    categories: list[set[str]]
    dates: list[str]
    primary: list[str]


def read_corpus(path: Path, last_days: int) -> Corpus:
    """The papers of the corpus's last `last_days` announcement days (file order)."""
    records = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                records.append(json.loads(line))
    days = sorted({r.get("announce_date") or "" for r in records})[-last_days:]
    keep = set(days)
    corpus = Corpus([], [], [], [])
    for r in records:
        if (r.get("announce_date") or "") not in keep:
            continue
        authors = r.get("authors") or []
        if isinstance(authors, str):
            authors = [a.strip() for a in authors.split(",") if a.strip()]
        corpus.papers.append(
            PaperText(
                r["id"],
                r.get("title") or "",
                r.get("abstract") or "",
                authors,
                r.get("comment") or "",
                r["id"],
            )
        )
        codes = {c for c in (r.get("categories") or []) if _CATEGORY.fullmatch(c)}
        primary = r.get("primary_category") or ""
        corpus.categories.append(codes | ({primary} if primary else set()))
        corpus.dates.append(r.get("announce_date") or "")
        corpus.primary.append(primary)
    return corpus


@dataclass
class Interest:
    kind: str  # "category" or "phrase"
    name: str
    keywords: list[str]
    members: np.ndarray  # bool per paper


def choose_interests(
    corpus: Corpus,
    model: CorpusModel,
    train: np.ndarray,
    test: np.ndarray,
    n: int,
    rng: np.random.Generator,
    min_train: int = 60,
    min_test: int = 8,
) -> list[Interest]:
    """Up to n categories and n phrases with enough earlier and held-out papers."""
    if n <= 0:
        return []
    names = {c.code: c.name for c in CATEGORIES}
    n_papers = len(corpus.papers)
    found: list[Interest] = []
    counts: dict[str, int] = defaultdict(int)
    for cats in corpus.categories:
        for c in cats:
            counts[c] += 1
    candidates = []
    for code in sorted(counts):
        if code not in names:
            continue
        members = np.array([code in cats for cats in corpus.categories])
        n_train, n_test = int(members[train].sum()), int(members[test].sum())
        if n_train >= min_train and min_test <= n_test <= 0.15 * len(test):
            candidates.append(Interest("category", code, [names[code]], members))
    for i in rng.permutation(len(candidates))[:n]:
        found.append(candidates[i])
    # Phrases: columns of the phrase block, in enough papers, not boilerplate, a topic.
    weights = model.index.weights.tocsc()
    first, last = model.n_words, model.n_words + model.n_phrases
    df = model.df[first:last]
    ok = (df >= min_train + min_test) & (df <= 0.03 * n_papers) & ~model.boilerplate[first:last]
    phrase_candidates = []
    for column in (np.flatnonzero(ok) + first).tolist():
        rows = weights.indices[weights.indptr[column] : weights.indptr[column + 1]]
        members = np.zeros(n_papers, dtype=bool)
        members[rows] = True
        if members[train].sum() >= min_train and members[test].sum() >= min_test:
            phrase_candidates.append(
                Interest("phrase", model.terms[column], [model.terms[column]], members)
            )
    for i in rng.permutation(len(phrase_candidates))[:n]:
        found.append(phrase_candidates[i])
    return found


def ndcg(scores: np.ndarray, relevant: np.ndarray, at: int = NDCG_AT) -> float:
    order = np.lexsort((np.arange(len(scores)), -scores))[:at]  # ties: list order
    gains = relevant[order].astype(float)
    discounts = 1.0 / np.log2(np.arange(2, len(gains) + 2))
    ideal = discounts[: min(at, int(relevant.sum()))].sum()
    return float((gains * discounts).sum() / ideal) if ideal else 0.0


def sanity_features(corpus: Corpus) -> sp.csr_matrix:
    """arxiv-sanity-lite's compute.py TF-IDF (its defaults), over every paper of the window."""
    vectorizer = TfidfVectorizer(
        input="content",
        encoding="utf-8",
        decode_error="replace",
        strip_accents="unicode",
        lowercase=True,
        analyzer="word",
        stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
        ngram_range=(1, 2),
        max_features=20000,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=True,
        max_df=0.1,
        min_df=5,
        dtype=np.float32,
    )
    texts = [" ".join([p.title, p.abstract, " ".join(p.authors)]) for p in corpus.papers]
    return vectorizer.fit_transform(texts).tocsr()


def sanity_svm(x: sp.csr_matrix, y: np.ndarray) -> LinearSVC:
    svm = LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.01)
    return svm.fit(x, y)


def heart_scores(model: CorpusModel, keywords: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """The ❤ sort's BM25 of the keywords' words (each word once) over these papers."""
    columns = set()
    for keyword in keywords:
        for word in features.keyword_query(model, [w for w in keyword.split()]).indices:
            columns.add(int(word))
    words = [c for c in columns if c < model.n_words]
    if not words:
        return np.zeros(len(rows))
    q = np.zeros(len(model.terms))
    q[words] = 1.0
    return model.index.weights[rows] @ q


def evaluate(
    args: argparse.Namespace,
) -> tuple[dict[tuple[str, str, int], list[tuple[float, float]]], dict[str, float], dict]:
    started = time.perf_counter()
    corpus = read_corpus(Path(args.corpus), args.train_days + args.test_days)
    days = sorted(set(corpus.dates))
    test_days = set(days[-args.test_days :])
    dates = np.array(corpus.dates)
    test = np.flatnonzero(np.isin(dates, list(test_days)))
    train = np.flatnonzero(~np.isin(dates, list(test_days)))
    groups = {a.code: a.group for a in ARCHIVES}
    archive = {c.code: c.archive for c in CATEGORIES}
    fields = {
        p.arxiv_id: groups.get(archive.get(pc, ""), "")
        for p, pc in zip(corpus.papers, corpus.primary, strict=True)
    }
    t0 = time.perf_counter()
    model = CorpusModel.build(corpus.papers, fields=fields)
    build_s = time.perf_counter() - t0
    info = {
        "papers": len(corpus.papers),
        "train_papers": len(train),
        "test_papers": len(test),
        "test_days": f"{days[-args.test_days]}..{days[-1]}",
        "train_days": f"{days[0]}..{days[-args.test_days - 1]}",
        "terms": len(model.terms),
        "build_s": build_s,
    }
    rows = np.array([model.row_of[p.arxiv_id] for p in corpus.papers])
    unit = learn.unit_rows(model.index.weights[rows])
    rng = np.random.default_rng(args.seed)
    interests = choose_interests(
        corpus, model, train, test, 0 if args.speed_only else args.interests, rng,
        args.min_train, args.min_test,
    )  # fmt: skip
    sanity_x = sanity_features(corpus) if args.sanity and interests else None
    results: dict[tuple[str, str, int], list[tuple[float, float]]] = defaultdict(list)
    x_test = unit[test]
    ks = [int(k) for k in args.ks.split(",")]
    for number, interest in enumerate(interests):
        relevant = interest.members[test]
        liked_pool = train[interest.members[train]]
        other_pool = train[~interest.members[train]]
        for k in ks:
            for _repeat in range(args.repeats):
                pos = rng.choice(liked_pool, size=min(k, len(liked_pool)), replace=False)
                neg = rng.choice(other_pool, size=k, replace=False)
                taken = set(pos.tolist()) | set(neg.tolist())
                pool = [i for i in rng.choice(train, size=learn.RANDOM_NEGATIVES + 2 * k)]
                rand = np.array([i for i in pool if i not in taken][: learn.RANDOM_NEGATIVES])
                scored: dict[str, np.ndarray] = {}
                positives = learn.Examples(unit[pos])
                negatives = learn.Examples(unit[neg])
                randoms = learn.Examples(unit[rand])
                linear = learn.fit(positives, negatives, randoms, None)
                scored["ours"] = learn.scores(linear, x_test)
                query = features.keyword_query(model, interest.keywords)
                linear = learn.fit(positives, negatives, randoms, query)
                scored["ours+keywords"] = learn.scores(linear, x_test)
                if sanity_x is not None:
                    y = np.zeros(len(corpus.papers))
                    y[pos] = 1
                    scored["arxiv-sanity"] = sanity_svm(sanity_x, y).decision_function(
                        sanity_x[test]
                    )
                    both = np.concatenate([pos, neg])
                    y2 = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
                    scored["sanity+👎"] = sanity_svm(sanity_x[both], y2).decision_function(
                        sanity_x[test]
                    )
                scored["❤ keywords"] = heart_scores(model, interest.keywords, rows[test])
                mean = np.asarray(unit[pos].mean(axis=0)).ravel()
                scored["mean-liked"] = x_test @ mean
                scored["random"] = rng.random(len(test))
                for method, s in scored.items():
                    auc = roc_auc_score(relevant, s)
                    results[(method, interest.kind, k)].append((auc, ndcg(s, relevant)))
        if args.verbose:
            print(f"  {number + 1}/{len(interests)} {interest.kind} {interest.name}", flush=True)
    info["interests"] = {
        "category": sum(i.kind == "category" for i in interests),
        "phrase": sum(i.kind == "phrase" for i in interests),
    }
    info["quality_s"] = time.perf_counter() - started
    speed = measure_speed(model, rng)
    return results, speed, info


def _best_of(fn: Callable[[], object], repeats: int = 7) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def measure_speed(model: CorpusModel, rng: np.random.Generator) -> dict[str, float]:
    """Training 1,000 ratings and ranking 2,000 papers, as profiles does (no database)."""
    ids = model.paper_ids
    # 1,000 rated papers and a day of 2,000 others (drawn again when the corpus is smaller).
    picked = rng.permutation(len(ids))
    up = [ids[i] for i in picked[:500]]
    down = [ids[i] for i in picked[500:1000]]
    rest = picked[1000:] if len(picked) >= 3000 else rng.choice(len(ids), 2000)
    day = list(dict.fromkeys(ids[i] for i in rest[:2000]))
    data = profiles._Profile(up, down, ["graph neural network"], 1000, 0)
    train_s, _ = _best_of(lambda: profiles.fit_profile(model, data, 1, semantic=False), 5)
    small = profiles._Profile(up[:10], down[:10], [], 20, 0)
    train_small_s, _ = _best_of(lambda: profiles.fit_profile(model, small, 1, semantic=False), 5)
    linear, _ = profiles.fit_profile(model, data, 1, semantic=False)
    profiles._weights.clear()

    def rank_day() -> None:
        # What rank() does after its two queries: a fresh weight vector (no cache), the
        # rows, the scores, the order and the why of the 25 best.
        profiles._weights.clear()
        profiles.order(model, linear, ("bench", time.monotonic()), day, 25, up)

    rank_s, _ = _best_of(rank_day, 9)
    return {
        "train_1000_ms": 1000 * train_s,
        "train_20_ms": 1000 * train_small_s,
        "rank_2000_ms": 1000 * rank_s,
    }


def table(results: dict, ks: list[int], kinds: Sequence[str]) -> str:
    head = "| method | " + " | ".join(f"AUC k={k}" for k in ks)
    head += " | " + " | ".join(f"nDCG@20 k={k}" for k in ks) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(ks))]
    for method in METHODS:
        cells_auc, cells_ndcg = [], []
        for k in ks:
            values = [v for kind in kinds for v in results.get((method, kind, k), [])]
            if not values:
                cells_auc.append("-")
                cells_ndcg.append("-")
                continue
            cells_auc.append(f"{np.mean([a for a, _ in values]):.3f}")
            cells_ndcg.append(f"{np.mean([n for _, n in values]):.3f}")
        lines.append(f"| {method} | " + " | ".join(cells_auc + cells_ndcg) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--train-days", type=int, default=60)
    parser.add_argument("--test-days", type=int, default=5)
    parser.add_argument("--interests", type=int, default=25, help="per kind")
    parser.add_argument("--ks", default="5,10,20,50")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-train", type=int, default=60, help="an interest's earlier papers")
    parser.add_argument("--min-test", type=int, default=8, help="an interest's held-out papers")
    parser.add_argument("--no-sanity", dest="sanity", action="store_false")
    parser.add_argument(
        "--speed-only", action="store_true", help="no readers: the speed on the window's model"
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    results, speed, info = evaluate(args)
    ks = [int(k) for k in args.ks.split(",")]
    print(
        f"Corpus: {info['papers']:,} papers ({info['terms']:,} terms, model built in "
        f"{info['build_s']:.1f} s); rated: {info['train_papers']:,} papers of "
        f"{info['train_days']}; ranked: {info['test_papers']:,} held-out papers of "
        f"{info['test_days']}. Readers: {info['interests']['category']} category and "
        f"{info['interests']['phrase']} phrase interests x {args.repeats} repeats per k."
    )
    for title, kinds in (
        ()
        if args.speed_only
        else (
            ("All readers", ("category", "phrase")),
            ("Category readers", ("category",)),
            ("Phrase readers", ("phrase",)),
        )
    ):
        print(f"\n{title}\n")
        print(table(results, ks, kinds))
    print(
        f"\nSpeed: training 1,000 ratings {speed['train_1000_ms']:.0f} ms (20 ratings + "
        f"random negatives: {speed['train_20_ms']:.0f} ms); ranking 2,000 papers with the why "
        f"of 25: {speed['rank_2000_ms']:.1f} ms (medians). Quality run: {info['quality_s']:.0f} s."
    )
    for method in METHODS:
        for k in ks:
            values = [
                v for kind in ("category", "phrase") for v in results.get((method, kind, k), [])
            ]
            if values:
                record(f"feed.{method}.auc.k{k}", float(np.mean([a for a, _ in values])), "AUC")
                record(
                    f"feed.{method}.ndcg.k{k}", float(np.mean([n for _, n in values])), "nDCG@20"
                )
    for name, value in speed.items():
        record(f"feed.{name}", value, "ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
