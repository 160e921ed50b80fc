"""bench.generate: a synthetic corpus scaled from real papers, that `ingest_arxiv` takes whole."""

from __future__ import annotations

import gzip
import json
import re
import statistics
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.generate import main, read_sample, split_sentences, wrap
from coolpapers.ingestion.models import IngestionJob, JobStatus
from coolpapers.papers.arxiv_ids import parse_arxiv_id
from tests.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
N = 400
# $...$ with no escaped dollar inside: the fixture has no "\$", so this finds every formula.
FORMULA = re.compile(r"\$\$[^$]+\$\$|\$[^$]+\$")


def squash(text: str) -> str:
    return " ".join(text.split())


def generate(out: Path, papers: int = N, seed: int = 7) -> Path:
    main(["--papers", str(papers), "--seed", str(seed), "--out", str(out), "--corpus", str(SAMPLE)])
    return out


def read(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def source() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def out_path(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("generate") / "corpus.jsonl.gz")


@pytest.fixture(scope="module")
def papers(out_path) -> list[dict]:
    return read(out_path)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, out_path, capsys):
    again = generate(tmp_path / "again.jsonl.gz")
    assert again.read_bytes() == out_path.read_bytes()
    assert generate(tmp_path / "other.jsonl.gz", seed=8).read_bytes() != out_path.read_bytes()
    assert "400 papers" in capsys.readouterr().out  # the summary line
    assert not list(tmp_path.glob("*.part"))


def test_exactly_n_papers_in_the_source_format(papers, source):
    assert len(papers) == N
    assert all(list(p) == list(source[0]) for p in papers)  # same keys, same order
    assert all(isinstance(p["authors"], list) and isinstance(p["categories"], list) for p in papers)


def test_ids_are_new_unique_and_after_the_source(papers, source):
    ids = [p["id"] for p in papers]
    assert len(set(ids)) == N
    assert not set(ids) & {s["id"] for s in source}
    assert all(parse_arxiv_id(i).id == i and re.fullmatch(r"\d{4}\.\d{5}", i) for i in ids)
    assert min(ids) > max(s["id"] for s in source)
    # numbers run 1, 2, 3... within each month, in file order
    by_month: dict[str, list[int]] = {}
    for i in ids:
        by_month.setdefault(i[:4], []).append(int(i[5:]))
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in by_month.values())


def test_dates_follow_arxivs_calendar(papers):
    days = [date.fromisoformat(p["announce_date"]) for p in papers]
    assert days == sorted(days)
    assert all(d.weekday() < 5 for d in days)  # lists are dated Monday to Friday
    for p, d in zip(papers, days, strict=True):
        months_after_id = (d.year % 100 - int(p["id"][:2])) * 12 + d.month - int(p["id"][2:4])
        assert months_after_id in (0, 1)  # listed in its id's month, or early the next
        assert p["source_path"] == f"data/{p['announce_date']}.jsonl"
    # several lists, sized like the source's (which has 1 to 50 papers a day)
    sizes = Counter(days).values()
    assert len(sizes) > 5 and max(sizes) <= 50


def test_categories_come_from_the_source(papers, source):
    categories = {c for s in source for c in s["categories"]}
    primaries = {s["primary_category"] for s in source}
    for p in papers:
        assert p["primary_category"] in primaries and p["primary_category"] in p["categories"]
        assert set(p["categories"]) <= categories
    # proportions follow the source's: cs.CV is the primary of 45 of its 66 papers
    share = sum(p["primary_category"] == "cs.CV" for p in papers) / N
    assert 0.55 < share < 0.8


def test_formulas_are_whole_formulas_of_the_source(papers, source):
    assert not any("\\$" in s["abstract"] for s in source)  # FORMULA's assumption
    known = {f for s in source for f in FORMULA.findall(squash(s["abstract"]))}
    found = [f for p in papers for f in FORMULA.findall(squash(p["abstract"]))]
    assert found and set(found) <= known
    assert all(p["abstract"].count("$") % 2 == 0 for p in papers)


def test_text_is_made_of_real_sentences_and_names(papers, source):
    sentences = {x for s in source for x in split_sentences(s["abstract"])[0]}
    made = [x for p in papers for x in split_sentences(p["abstract"])[0]]
    assert sum(x in sentences for x in made) / len(made) > 0.95
    names = {a for s in source for a in s["authors"]}
    assert all(set(p["authors"]) <= names for p in papers)
    # recombined, not copied: many more distinct titles than the source's 66
    assert len({p["title"] for p in papers}) > 3 * len(source)


def test_lengths_follow_the_source(papers, source):
    def counts(records: list[dict]) -> list[int]:
        return [len(split_sentences(r["abstract"])[0]) for r in records]

    real, made = counts(source), counts(papers)
    assert abs(statistics.mean(made) - statistics.mean(real)) < 0.1 * statistics.mean(real)
    assert abs(statistics.median(made) - statistics.median(real)) <= 1
    # a template's count, give or take a sentence that ends without a full stop
    assert min(made) >= min(real) - 1 and max(made) <= max(real) + 1
    real_len = statistics.median(len(squash(s["abstract"])) for s in source)
    made_len = statistics.median(len(squash(p["abstract"])) for p in papers)
    assert abs(made_len - real_len) < 0.15 * real_len
    wrapped = [p["abstract"] for p in papers if "\n" in p["abstract"]]
    assert wrapped and all(
        len(line) <= 79 or " " not in line for a in wrapped for line in a.split("\n")
    )


@pytest.mark.django_db
def test_ingest_arxiv_takes_every_paper(out_path, capsys):
    from coolpapers.papers.models import Paper

    call_command("ingest_arxiv", str(out_path), verbosity=0)
    job = IngestionJob.objects.get()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.created_count, job.rejected_count) == (N, 0)
    assert Paper.objects.count() == N


def test_reservoirs_stay_within_their_bounds(capsys):
    sample = read_sample(SAMPLE, size=5, templates=10, seed=7)
    assert sample.papers == 66 and len(sample.templates.items) == 10
    for pools in sample.pools.values():
        reservoirs = [pools.sentences, pools.heads, pools.names, pools.comments]
        assert all(len(r.items) <= 5 for r in [*reservoirs, *pools.tails.values()])


def test_sentences_never_split_inside_a_formula():
    text = "We use e.g. BERT. Then $a. B$ holds, cf. Ref. Smith et al. Our\nwork! J. Doe agrees."
    assert split_sentences(text) == (
        [
            "We use e.g. BERT.",
            "Then $a. B$ holds, cf. Ref. Smith et al. Our work!",
            "J. Doe agrees.",
        ],
        True,
    )
    assert split_sentences("It costs $5. Cheap.")[1] is False  # unbalanced: not harvested
    assert split_sentences("A \\$5 fee. Then $x$.")[1] is True
    wrapped = wrap("word " * 20 + "$a + b + c$ end", width=30)
    assert "$a + b + c$" in wrapped.split("\n")[-1]
    assert all(len(line) <= 30 for line in wrapped.split("\n"))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench.generate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--papers", "0", "--corpus", str(SAMPLE)], "--papers must be at least 1"),
        (["--papers", "x", "--corpus", str(SAMPLE)], "invalid int value"),
        (["--papers", "5", "--corpus", "/no/such/corpus.jsonl.gz"], "no such file"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(tmp_path, args, message):
    done = run(*args, "--out", str(tmp_path / "out.jsonl.gz"))
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())  # no output, not even a partial one


def test_too_many_papers_for_the_id_space_fail_before_writing(tmp_path):
    # the sample's lists hold ~7 papers a day: 10M papers would need ids past 9912
    done = run("--papers", "10000000", "--corpus", str(SAMPLE), "--out", str(tmp_path / "o.gz"))
    assert done.returncode != 0
    assert "months of ids" in done.stderr.strip().splitlines()[-1]  # after the sampling bar
    assert not list(tmp_path.iterdir())
