"""Every benchmark in one go against one corpus: one table, printed and written to BENCHMARKS.md.

    python -m bench [--corpus PATH | --papers N [--seed S]] [--data-dir DIR]
        [--database-url URL] [--backends whoosh,tantivy] [--steps STEP,...] [--output FILE]

Steps, in this order, each in its own process so that its peak memory is its own (read from
wait4, the largest process of the step's tree):

    generate      with --papers: the real corpus scaled to N papers (bench.generate)
    ingest        the corpus into an emptied database (bench.ingest)
    index:B       search index build, then a day's 2,000 papers again, per backend B
    search:B      known-item quality and /api/search latency, per backend B (bench.search)
    baselines     raw tantivy and SQLite FTS5 on the same queries (bench.baselines)
    related       related papers: full recompute, quality, new papers, rank-bm25 (bench.related)
    browse        list, chunk and paper pages, server time (bench.browse)

Each step's figures are kept in DIR/results/STEP.json, so `--steps` can rerun some steps and
the table still shows the others' latest figures. A failed step is marked in the table and
the run goes on; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import DEFAULT_CORPUS
from bench.results import ENV

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("tantivy", "whoosh")
TFIDF_LIMIT = 200_000  # the TF-IDF quality baselines are skipped above this many papers

# What each recorded figure is called in the table, in table order.
LABELS = {
    "ingest.papers": "papers ingested",
    "ingest.seconds": "ingest time",
    "ingest.rate": "ingest throughput",
    "ingest.rss_at_10pct": "peak RSS with 10% in",
    "ingest.rss_end": "peak RSS at the end",
    "search.build_s": "index build",
    "search.incremental_s": "index a day's 2,000 papers again",
    "search.brief_p50_ms": "/api/search p50, 30 BRIEF queries",
    "search.brief_p95_ms": "/api/search p95, 30 BRIEF queries",
    "search.all_p50_ms": "/api/search p50, all 50 queries",
    "search.all_p95_ms": "/api/search p95, all 50 queries",
    "search.all_max_ms": "/api/search max, all 50 queries",
    "search.first_p95_ms": "/api/search p95, first pass (cold postings)",
    "search.count_rank_p50_ms": "count + rank p50 (engine alone)",
    "search.web_rss_mb": "web process RSS after the queries",
    "search.known_item_top3": "known item in the top 3 from 3-5 title words",
    "search.author_top10": "known item in the top 10 from author: + a title word",
    "baseline.tantivy.build_s": "raw tantivy: index build",
    "baseline.tantivy.p50_ms": "raw tantivy: query p50",
    "baseline.tantivy.p95_ms": "raw tantivy: query p95",
    "baseline.tantivy.size_mb": "raw tantivy: index size",
    "baseline.fts5.build_s": "SQLite FTS5: index build",
    "baseline.fts5.p50_ms": "SQLite FTS5: query p50",
    "baseline.fts5.p95_ms": "SQLite FTS5: query p95",
    "baseline.fts5.size_mb": "SQLite FTS5: index size",
    "browse.list_page_p50_ms": "daily list page (25 papers) p50",
    "browse.list_page_p95_ms": "daily list page (25 papers) p95",
    "browse.chunk_p50_ms": "lazy chunk (25 papers) p50",
    "browse.chunk_p95_ms": "lazy chunk (25 papers) p95",
    "browse.paper_page_p50_ms": "paper page p50",
    "browse.paper_page_p95_ms": "paper page p95",
    "browse.home_p50_ms": "home page p50",
    "browse.home_p95_ms": "home page p95",
    "related.papers": "papers",
    "related.workers": "worker processes",
    "related.build_s": "model build",
    "related.lists_s": "keywords + 20 related for every paper",
    "related.full_s": "full recompute",
    "related.ms_per_paper": "full recompute per paper",
    "related.quality_primary": "quality: top 10 sharing the primary category",
    "related.quality_any": "quality: top 10 sharing any category",
    "related.keywords_quality_primary": "Cool Papers' 10-keyword BM25: primary",
    "related.keywords_quality_any": "Cool Papers' 10-keyword BM25: any",
    "related.tfidf_quality_primary": "arxiv-sanity TF-IDF: primary",
    "related.tfidf_quality_any": "arxiv-sanity TF-IDF: any",
    "related.new_papers": "new papers added to the model",
    "related.new_s": "new papers: keywords + related lists",
    "related.new_model_build_s": "model of the other papers (build)",
    "related.rank_bm25.init_s": "rank-bm25: BM25Okapi init",
    "related.rank_bm25.ms_per_paper": "rank-bm25: get_scores per paper",
    "related.rank_bm25.overlap_same_query": "rank-bm25: top-10 overlap, same weighted query",
    "related.rank_bm25.overlap": "rank-bm25: top-10 overlap with our related lists",
    "related.rank_bm25.index_mb": "rank-bm25: its per-document dicts",
    "related.peak_main_mb": "peak RSS, main process",
    "related.peak_worker_mb": "peak RSS, largest worker",
}


@dataclass(frozen=True)
class Step:
    name: str
    argv: list[str]
    env: dict[str, str]


def steps_for(args: argparse.Namespace, corpus: Path, papers: int | None) -> list[Step]:
    data = str(args.data_dir)
    env = {"COOLPAPERS_DATA_DIR": data}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    ingest = ["bench.ingest", str(corpus), "--data-dir", data]
    if args.database_url:
        ingest += ["--database-url", args.database_url]
    steps = []
    if args.papers:
        generate = ["bench.generate", "--papers", str(args.papers), "--seed", str(args.seed)]
        steps.append(Step("generate", [*generate, "--out", str(corpus)], {}))
    steps.append(Step("ingest", ingest, env))
    for backend in args.backends:
        search = ["bench.search", "--data-dir", data, "--corpus", str(corpus)]
        backend_env = {**env, "SEARCH_BACKEND": backend}
        steps.append(Step(f"index:{backend}", [*search, "--phase", "build"], backend_env))
        steps.append(Step(f"search:{backend}", [*search, "--phase", "latency"], backend_env))
    baselines = ["bench.baselines", "--corpus", str(corpus), "--workdir", f"{data}/baselines"]
    steps.append(Step("baselines", baselines, {}))
    related = ["bench.related", "--corpus", str(corpus)]
    if papers is not None and papers < 20_000:  # a small corpus: samples fit inside it
        related += ["--sample", str(papers // 2), "--new", str(papers // 10)]
    if papers is None or papers > TFIDF_LIMIT:  # a whole recompute would take hours here
        related += ["--no-tfidf", "--lists", "20000", "--rank-bm25", "3"]
    steps.append(Step("related", related, {}))
    steps.append(Step("browse", ["bench.browse", "--data-dir", data, "--rounds", "2"], env))
    return steps


def run_step(step: Step, results_dir: Path) -> dict:
    """Runs one benchmark process; returns its figures, time, peak memory and exit status."""
    records = results_dir / f"{step.name.replace(':', '-')}.jsonl"
    records.unlink(missing_ok=True)
    env = {**os.environ, **step.env, ENV: str(records)}
    if "DATABASE_URL" not in step.env:
        env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    print(f"\n=== {step.name}: python -m {' '.join(step.argv)}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", *step.argv], env=env, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    figures = []
    if records.exists():
        figures = [json.loads(line) for line in records.read_text().splitlines() if line]
    result = {
        "step": step.name,
        "command": f"python -m {' '.join(step.argv)}",
        "exit": process.returncode,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "load": os.getloadavg()[0],
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "figures": figures,
    }
    (results_dir / f"{step.name.replace(':', '-')}.json").write_text(json.dumps(result, indent=1))
    records.unlink(missing_ok=True)
    return result


def count_papers(corpus: Path) -> int:
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rb") as stream:
        return sum(1 for _ in stream)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        memory = f", {kb / 1024**2:.0f} GB RAM"
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def show(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value:.3f}"
    if unit in ("papers", "processes", ""):
        return f"{value:,.0f}"
    if unit == "papers/s":
        return f"{value:,.0f} papers/s"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:.1f} s" if value < 100 else f"{value:,.0f} s ({value / 60:.1f} min)"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.2f} {unit}"


def table(results: list[dict]) -> list[str]:
    rows = [
        "| step | measure | result | step peak RSS | load |",
        "|---|---|---|---|---|",
    ]
    order = {name: i for i, name in enumerate(LABELS)}
    for result in results:
        step = result["step"]
        peak = f"{result['peak_rss_mb']:,.0f} MB | {result.get('load', 0):.1f}"
        if result["exit"] != 0:
            rows.append(f"| {step} | **failed** (exit {result['exit']}) | see its log | {peak} |")
        figures = sorted(result["figures"], key=lambda f: order.get(f["name"], len(order)))
        notes_shown = set()
        for figure in figures:
            label = LABELS.get(figure["name"], figure["name"])
            note = ""
            if figure.get("note") and figure["note"] not in notes_shown:  # once per step
                notes_shown.add(figure["note"])
                note = f" ({figure['note']})"
            value = show(figure["value"], figure["unit"])
            rows.append(f"| {step} | {label}{note} | {value} | {peak} |")
        if not figures and result["exit"] == 0:
            rows.append(f"| {step} | done in {result['seconds']:.0f} s | | {peak} |")
    return rows


def ratios(results: list[dict]) -> list[str]:
    """Our figures against the baselines measured in the same run."""
    value = {
        f"{r['step']}/{f['name']}": f["value"] for r in results for f in r["figures"] if f["value"]
    }
    pairs = [
        ("/api/search p50 (tantivy) ÷ raw tantivy p50", "search:tantivy/search.brief_p50_ms",
         "baselines/baseline.tantivy.p50_ms"),
        ("/api/search p50 (tantivy) ÷ SQLite FTS5 p50", "search:tantivy/search.brief_p50_ms",
         "baselines/baseline.fts5.p50_ms"),
        ("/api/search p50 (Whoosh) ÷ raw tantivy p50", "search:whoosh/search.brief_p50_ms",
         "baselines/baseline.tantivy.p50_ms"),
        ("/api/search p50: Whoosh ÷ tantivy backend", "search:whoosh/search.brief_p50_ms",
         "search:tantivy/search.brief_p50_ms"),
        ("/api/search p95: Whoosh ÷ tantivy backend", "search:whoosh/search.brief_p95_ms",
         "search:tantivy/search.brief_p95_ms"),
        ("index build: tantivy backend ÷ raw tantivy", "index:tantivy/search.build_s",
         "baselines/baseline.tantivy.build_s"),
        ("index build: Whoosh ÷ tantivy backend", "index:whoosh/search.build_s",
         "index:tantivy/search.build_s"),
        ("related papers per paper: rank-bm25 ÷ ours", "related/related.rank_bm25.ms_per_paper",
         "related/related.ms_per_paper"),
    ]  # fmt: skip
    rows = []
    for label, ours, theirs in pairs:
        if ours in value and theirs in value:
            rows.append(f"| {label} | {value[ours] / value[theirs]:.2f}x |")
    return ["| ratio | value |", "|---|---|", *rows] if rows else []


def section(label: str, header: list[str], results: list[dict]) -> str:
    lines = [f"<!-- bench:{label} -->", f"## {label}", "", *header, "", *table(results)]
    extra = ratios(results)
    if extra:
        lines += ["", *extra]
    lines += ["", f"<!-- /bench:{label} -->"]
    return "\n".join(lines)


INTRO = """# Benchmarks

Written by `make bench` (`python -m bench`): every benchmark of the project against one corpus,
each step in its own process. "step peak RSS" is the largest process of that step. Search
latency is server time through `/api/search` (Django's test client, result cache cleared before
every request); baselines run the same queries on the same machine in the same run.
"""


def write_section(output: Path, label: str, text: str) -> None:
    """Replaces this corpus's section of the file, keeping the others."""
    current = output.read_text() if output.exists() else INTRO
    start, end = f"<!-- bench:{label} -->", f"<!-- /bench:{label} -->"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        after = rest.split(end, 1)[1]
        current = before + text + after
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    output.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", type=Path, help="a JSON-lines corpus (default: the real one)")
    source.add_argument("--papers", type=int, help="generate a corpus of this many papers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, help="default: var/bench/<corpus label>")
    parser.add_argument("--database-url", default="", help="default: SQLite in the data dir")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--steps", default="", help="only these steps (comma-separated)")
    parser.add_argument(
        "--report", action="store_true", help="run nothing: rewrite the table from saved figures"
    )
    parser.add_argument("--label", default="", help="the section's title in the output")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    args.backends = [b for b in args.backends.split(",") if b]
    if unknown := set(args.backends) - set(BACKENDS):
        sys.exit(f"bench: unknown backend {', '.join(sorted(unknown))}")
    if args.papers is not None and args.papers < 1:
        sys.exit("bench: --papers must be at least 1")

    if args.papers:
        label = args.label or f"{args.papers:,} generated papers (seed {args.seed})"
        slug = f"generated-{args.papers}-seed{args.seed}"
    else:
        args.corpus = args.corpus or DEFAULT_CORPUS
        if not args.corpus.exists():
            sys.exit(f"bench: {args.corpus}: no such corpus")
        label = args.label or f"{args.corpus.name}"
        slug = args.corpus.name.split(".")[0]
    args.data_dir = (args.data_dir or ROOT / "var" / "bench" / slug).resolve()
    results_dir = args.data_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus or args.data_dir / f"{slug}.jsonl.gz"

    papers = None if args.papers else count_papers(corpus)
    all_steps = steps_for(args, corpus, args.papers or papers)
    wanted = [s for s in args.steps.split(",") if s]
    if unknown := set(wanted) - {s.name for s in all_steps}:
        sys.exit(f"bench: unknown step {', '.join(sorted(unknown))}")
    failed = []
    for step in all_steps:
        if args.report or (wanted and step.name not in wanted):
            continue
        if step.name == "generate" and corpus.exists():
            print(f"\n=== generate: {corpus} exists (same papers, seed and options)")
            continue
        result = run_step(step, results_dir)
        if result["exit"] != 0:
            failed.append(step.name)
            print(f"bench: step {step.name} failed (exit {result['exit']})", file=sys.stderr)

    results = []
    for step in all_steps:
        path = results_dir / f"{step.name.replace(':', '-')}.json"
        if path.exists():
            results.append(json.loads(path.read_text()))
    database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    shown = list(sys.argv[1:])  # the whole run, whichever steps this one ran
    if "--steps" in shown:
        del shown[shown.index("--steps") : shown.index("--steps") + 2]
    shown = [a for a in shown if not a.startswith("--steps=") and a != "--report"]
    header = [
        f"- machine: {machine()}",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}",
        f"- corpus: `{corpus.name}`, {args.papers or papers:,} papers; database: {database}",
        f"- reproduce: `python -m bench {' '.join(shown)}`".rstrip(),
        "- load: the 1-minute load average when the step ended (2 means both cores were busy)",
    ]
    if args.papers:
        header.append(
            "- generated corpus: its abstracts are sentences of papers of the same category, so "
            "related-papers quality here says nothing (neighbours nearly always share the "
            "category); quality comes from the real corpus. Known-item search is harder here: "
            "titles are recombined halves of real ones."
        )
    text = section(label, header, results)
    print("\n" + text)
    write_section(args.output, label, text)
    print(f"\nwritten to {args.output}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
