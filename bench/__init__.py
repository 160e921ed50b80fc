"""Benchmarks that print their figures; each takes the corpus path as an argument.

`python -m bench` runs them all (bench/__main__.py)."""

from pathlib import Path

# The real daily-arXiv corpus (133,090 papers), next to this repository on the team's machines.
DEFAULT_CORPUS = (
    Path(__file__).resolve().parents[2]
    / "shared/data/arxiv/corpus/daily-arxiv/daily_arxiv_merged.jsonl.gz"
)
QUERIES = Path(__file__).resolve().parent / "queries.txt"  # the 30 queries of BRIEF.md
