"""Semantic related papers: embedding speed, and quality against arXiv categories.

    python -m bench.semantic --corpus PATH --data-dir DIR [--phase embed|quality|all]
        [--sample 1000] [--seed 0] [--tune 2000]

embed: every paper of the corpus embedded with the app's encoder (coolpapers.semantic.encoder),
in a fixed random order, in chunks of CHUNK papers saved as DIR/embeddings/chunk-NNNNN.npz
(ids, float16 vectors), so an interrupted run goes on where it stopped; prints papers/s.
quality: for `--sample` random papers (fixed seed), the share of their top 10 related papers
with the paper's primary category / any category, over the whole corpus: BM25 only (our
shipped lists), TF-IDF (arxiv-sanity-lite's), embedding cosine only, and the hybrid the app
ships (coolpapers.semantic.hybrid), all in one run. Categories are only read here.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench import DEFAULT_CORPUS
from bench.results import record

if TYPE_CHECKING:
    from coolpapers.semantic.store import VectorMatrix

CHUNK = 2048
ORDER_SEED = 20261121


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    import django

    django.setup()


def embed_corpus(papers: Sequence, directory: Path) -> tuple[list[str], np.ndarray]:
    """Every paper's vector, computing only the chunks not on disk yet."""
    from coolpapers.semantic.encoder import encode, paper_text

    directory.mkdir(parents=True, exist_ok=True)
    # A fixed random order: an interrupted run leaves a uniform sample of the corpus embedded.
    papers = [papers[i] for i in np.random.default_rng(ORDER_SEED).permutation(len(papers))]
    ids, parts = [], []
    done = computed = 0
    started = time.perf_counter()
    for number, start in enumerate(range(0, len(papers), CHUNK)):
        chunk = papers[start : start + CHUNK]
        path = directory / f"chunk-{number:05d}.npz"
        if not path.exists():
            vectors = encode([paper_text(p.title, p.abstract) for p in chunk])
            temporary = path.with_suffix(".tmp.npz")
            np.savez(temporary, ids=np.array([p.arxiv_id for p in chunk]), vectors=vectors)
            os.replace(temporary, path)
            computed += len(chunk)
        with np.load(path) as npz:
            ids.extend(npz["ids"].tolist())
            parts.append(npz["vectors"])
        done += len(chunk)
        elapsed = time.perf_counter() - started
        rate = computed / elapsed if computed else 0.0
        print(f"embedded {done}/{len(papers)} ({rate:.1f} papers/s this run)", flush=True)
    if computed:
        rate = computed / (time.perf_counter() - started)
        record("embedding speed", round(rate, 1), "papers/s", f"{computed} papers, 2 threads")
    return ids, np.concatenate(parts) if parts else np.zeros((0, 384), np.float16)


def load_embeddings(directory: Path) -> tuple[list[str], np.ndarray]:
    """The chunks embedded so far (all papers, or a random sample of them)."""
    ids, parts = [], []
    for number in range(10**6):
        path = directory / f"chunk-{number:05d}.npz"
        if not path.exists():
            break
        with np.load(path) as npz:
            ids.extend(npz["ids"].tolist())
            parts.append(npz["vectors"])
    return ids, np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, 0))


def _top(scored, score: np.ndarray) -> list[str]:
    order = np.lexsort((np.array(scored.ids), -score))[:10]
    return [scored.ids[i] for i in order]


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() or 1.0)


# Other ways to combine the two signals, compared on the development sample only.
ALTERNATIVES = {
    "z-scores": lambda s, w: _top(s, w * _z(s.cosine) + (1 - w) * _z(s.bm25)),
    "cosine + max-normalised bm25": lambda s, w: _top(
        s, w * s.cosine + (1 - w) * s.bm25 / max(s.bm25.max(), 1e-9)
    ),
    "cosine + log bm25": lambda s, w: _top(
        s,
        w * s.cosine
        + (1 - w) * np.log1p(np.maximum(s.bm25, 0)) / np.log1p(max(s.bm25.max(), 1e-9)),
    ),
}


def quality(
    papers: list,
    primary: list[str],
    categories: list[set[str]],
    vectors: VectorMatrix,
    sample: int,
    tune: int,
    seed: int,
    tfidf: bool,
) -> None:
    """Shares of the top 10 with the paper's categories: BM25, TF-IDF, cosine, hybrids."""
    from bench.related import shares, tfidf_baselines
    from coolpapers.related.corpus import CorpusModel
    from coolpapers.semantic.hybrid import WEIGHT, fuse, nearest, score_candidates

    started = time.perf_counter()
    model = CorpusModel.build(papers)
    print(f"BM25 model of {len(papers)} papers in {time.perf_counter() - started:.0f}s")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(papers))
    rows = np.sort(order[:sample])
    dev = np.sort(order[sample : sample + tune])
    row_of = {p.arxiv_id: i for i, p in enumerate(papers)}

    def report(name: str, lists: list[list[int]], which: np.ndarray, key: str) -> None:
        same_primary, same_any = shares(lists, which.tolist(), primary, categories)
        print(f"  {name:<34} {same_primary.mean():.3f} / {same_any.mean():.3f}", flush=True)
        if key:
            record(
                f"semantic.quality.{key}",
                round(float(same_primary.mean()), 3),
                "share",
                f"primary; any {same_any.mean():.3f}; {len(which)} papers",
            )

    def as_rows(ids: list[str]) -> list[int]:
        return [row_of[pid] for pid in ids]

    weights = [0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    if tune:
        print(f"development sample ({len(dev)} other random papers): combinations")
        scored = score_candidates(model, vectors, [papers[i] for i in dev])
        for weight in weights:
            lists = [as_rows([pid for pid, _ in fuse(s, weight)]) for s in scored]
            report(f"reciprocal ranks (shipped), weight {weight:.1f}", lists, dev, "")
        for name, combine in ALTERNATIVES.items():
            for weight in (0.5, 0.6, 0.7, 0.8, 0.9):
                lists = [as_rows(combine(s, weight)) for s in scored]
                report(f"{name}, weight {weight:.1f}", lists, dev, "")
    print(f"benchmark sample ({len(rows)} random papers, seed {seed}): primary / any")
    chosen = [papers[i] for i in rows]
    started = time.perf_counter()
    bm25 = [as_rows([pid for pid, _ in r.related]) for r in model.compute(chosen)]
    report("BM25 (our lists without embeddings)", bm25, rows, "bm25")
    dense, _ = nearest(
        vectors,
        vectors.matrix[[vectors.row_of[p.arxiv_id] for p in chosen]],
        10,
        exclude=[vectors.row_of[p.arxiv_id] for p in chosen],
    )
    report(
        "embedding cosine only",
        [as_rows([vectors.ids[r] for r in d]) for d in dense],
        rows,
        "cosine",
    )
    scored = score_candidates(model, vectors, chosen)
    elapsed = time.perf_counter() - started
    for weight in weights:
        lists = [as_rows([pid for pid, _ in fuse(s, weight)]) for s in scored]
        report(
            f"hybrid, weight {weight:.1f}{' (shipped)' if weight == WEIGHT else ''}",
            lists,
            rows,
            "hybrid" if weight == WEIGHT else "",
        )
    print(f"  ({elapsed:.1f}s for BM25 + cosine + hybrid candidates of {len(rows)} papers)")
    if tfidf:
        uncapped, capped = tfidf_baselines(papers, rows, 10_000)
        report("TF-IDF, arxiv-sanity-lite (10k)", capped, rows, "tfidf")
        report("TF-IDF, uncapped features", uncapped, rows, "tfidf_uncapped")


def _hybrid_chunk(rows: Sequence[int]) -> int:
    from coolpapers.semantic.hybrid import related

    assert _shared is not None
    model, vectors, papers = _shared
    return len(related(model, vectors, [papers[r] for r in rows]))


_shared: tuple | None = None  # set before the workers fork, so they share it


def speed(
    papers: list, dates: list[str], vectors: VectorMatrix, new: int, lists: int, workers: int
) -> None:
    """A day's `new` papers embedded and related (embeddings included), then `lists` random
    papers' hybrid lists in `workers` processes, extrapolated to every paper."""
    import gc
    import multiprocessing

    from bench.related import peak_rss_mb
    from coolpapers.related.corpus import CorpusModel
    from coolpapers.semantic.encoder import encode, paper_text
    from coolpapers.semantic.hybrid import related
    from coolpapers.semantic.store import VectorMatrix

    global _shared
    newest = set(sorted(range(len(papers)), key=lambda i: (dates[i], i))[-new:])
    model = CorpusModel.build(p for i, p in enumerate(papers) if i not in newest)
    fresh = [papers[i] for i in sorted(newest)]
    known = [i for i, pid in enumerate(vectors.ids) if pid not in {p.arxiv_id for p in fresh}]
    base = VectorMatrix("bench")
    base.add(
        [vectors.ids[i] for i in known], [vectors.ids[i] for i in known], vectors.matrix[known]
    )
    started = time.perf_counter()
    encoded = encode([paper_text(p.title, p.abstract) for p in fresh])
    embedded = time.perf_counter() - started
    base.add(
        [p.arxiv_id for p in fresh], [p.content_hash for p in fresh], encoded.astype(np.float32)
    )
    analyses = [p.analyze() for p in fresh]
    model.append(
        [p.arxiv_id for p in fresh], [p.content_hash for p in fresh], model.weigh(analyses)
    )
    results = related(model, base, fresh)
    total = time.perf_counter() - started
    hybrid = sum(signals == "bm25+embedding" for _, signals in results)
    print(
        f"{new} new papers: embedded in {embedded:.1f}s ({new / embedded:.1f} papers/s), "
        f"with keywords and related lists {total:.1f}s ({hybrid} hybrid lists)",
        flush=True,
    )
    record("semantic.new_papers", new, "papers")
    record("semantic.new_embed_s", round(embedded, 1), "s", f"{new / embedded:.1f} papers/s")
    record("semantic.new_total_s", round(total, 1), "s", "embeddings + related lists")
    record("semantic.new_rss_mb", round(peak_rss_mb()), "MB", "peak, model + vectors + torch")

    rows = np.sort(np.random.default_rng(1).permutation(len(papers))[:lists])
    rows = [r for r in rows.tolist() if papers[r].arxiv_id in base.row_of]
    _shared = (model, base, papers)
    chunks = [rows[s : s + 500] for s in range(0, len(rows), 500)]
    gc.freeze()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        done = sum(pool.imap(_hybrid_chunk, chunks))
    elapsed = time.perf_counter() - started
    per_paper = elapsed / max(done, 1)
    full = per_paper * len(papers)
    how = "measured" if done == len(papers) else "extrapolated"
    print(
        f"hybrid lists of {done} random papers in {elapsed:.1f}s with {workers} workers: "
        f"{per_paper * 1000:.2f} ms/paper, all {len(papers)} {how} {full:.0f}s; "
        f"peak RSS {peak_rss_mb():.0f} MB, a worker "
        f"{peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB",
        flush=True,
    )
    record(
        "semantic.recompute_ms_per_paper",
        round(per_paper * 1000, 2),
        "ms",
        f"{done} papers, {workers} workers",
    )
    record("semantic.recompute_all_s", round(full), "s", f"{how}, {len(papers)} papers")
    record(
        "semantic.worker_rss_mb",
        round(peak_rss_mb(resource.RUSAGE_CHILDREN)),
        "MB",
        "largest worker",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--phase", choices=["embed", "quality", "speed", "all"], default="all")
    parser.add_argument("--new", type=int, default=2000, help="papers of a day (speed)")
    parser.add_argument("--lists", type=int, default=4000, help="lists timed (speed)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000, help="development sample for weights")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-tfidf", action="store_true")
    parser.add_argument(
        "--embedded-only",
        action="store_true",
        help="quality over the papers embedded so far (a random sample of the corpus)",
    )
    args = parser.parse_args(argv)
    _setup_django()
    from bench.related import read_corpus
    from coolpapers.semantic.store import VectorMatrix

    papers, primary, categories, dates = read_corpus(args.corpus)
    print(f"{len(papers)} papers", flush=True)
    directory = args.data_dir / "embeddings"
    if args.phase in ("embed", "all"):
        embed_corpus(papers, directory)
    if args.phase in ("quality", "speed", "all"):
        ids, matrix = load_embeddings(directory)
        if len(ids) < len(papers):
            if not args.embedded_only:
                sys.exit(f"only {len(ids)} of {len(papers)} papers embedded: --phase embed first")
            embedded = set(ids)
            keep = [i for i, p in enumerate(papers) if p.arxiv_id in embedded]
            papers, primary, categories, dates = (
                [x[i] for i in keep] for x in (papers, primary, categories, dates)
            )
            print(f"quality over the {len(papers)} papers embedded so far (a random sample)")
        vectors = VectorMatrix("bench")
        vectors.add(ids, list(ids), matrix)  # read_corpus: content_hash is the id
        record("semantic.papers", len(papers), "papers")
    if args.phase in ("speed", "all"):
        speed(papers, dates, vectors, args.new, args.lists, args.workers)
    if args.phase in ("quality", "all"):
        quality(
            papers,
            primary,
            categories,
            vectors,
            args.sample,
            args.tune,
            args.seed,
            not args.no_tfidf,
        )


if __name__ == "__main__":
    sys.exit(main())
