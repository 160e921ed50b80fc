"""bench.baselines: raw engines built from the fixture find a paper by its own title words."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import tempfile
from collections import Counter

import pytest

from bench.baselines import (
    Fts5Baseline,
    TantivyBaseline,
    fts5_match,
    iter_papers,
    main,
    percentiles,
)
from tests.conftest import ARXIV_FIXTURES

CORPUS = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl.gz"
HAS_TANTIVY = importlib.util.find_spec("tantivy") is not None
ENGINES = ["tantivy", "fts5"] if HAS_TANTIVY else ["fts5"]
BASELINES = {"tantivy": TantivyBaseline, "fts5": Fts5Baseline}
# Every fifth paper of the fixture is searched for by two of its title words.
PICKED = range(0, 60, 5)


def distinctive_queries() -> dict[str, str]:
    """Paper id -> its two title words that the fewest fixture papers contain."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        papers = [json.loads(line) for line in f]

    def words(text: str) -> set[str]:
        return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}

    frequency = Counter(w for p in papers for w in words(f"{p['title']} {p['abstract']}"))
    queries = {}
    for paper in (papers[i] for i in PICKED):
        rare = sorted(words(paper["title"]), key=lambda w: (frequency[w], w))[:2]
        queries[paper["id"]] = " ".join(rare)
    return queries


@pytest.fixture(scope="module")
def known() -> dict[str, str]:
    return distinctive_queries()


@pytest.fixture(scope="module")
def run(tmp_path_factory, known):
    """One run of the CLI on the fixture, kept on disk (--workdir) so the tests can search it."""
    root = tmp_path_factory.mktemp("baselines")
    queries = root / "queries.txt"
    queries.write_text("\n".join([*known.values(), "in-context learning", ""]), encoding="utf-8")
    results = root / "results.jsonl"
    workdir = root / "work"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BENCH_RESULTS", str(results))
        main(
            [
                "--corpus",
                str(CORPUS),
                "--engines",
                ",".join(ENGINES),
                "--workdir",
                str(workdir),
                "--queries",
                str(queries),
                "--rounds",
                "2",
            ]
        )
    lines = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    return workdir, {line["name"]: line for line in lines}


def test_records_every_figure_with_a_positive_value(run, capsys):
    _workdir, records = run
    units = {"build_s": "s", "p50_ms": "ms", "p95_ms": "ms", "size_mb": "MB"}
    for engine in ENGINES:
        for figure, unit in units.items():
            line = records[f"baseline.{engine}.{figure}"]
            assert line["value"] > 0, line
            assert line["unit"] == unit
            assert "66 papers" in line["note"]
    assert len(records) == len(ENGINES) * len(units)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_paper_comes_back_for_its_own_title_words(run, known, engine):
    workdir, _records = run
    baseline = BASELINES[engine](workdir / engine).open()
    try:
        for paper_id, query in known.items():
            hits = baseline.search(query)
            assert paper_id in hits.ids[:3], (query, hits)
            assert hits.count >= 1
            assert len(hits.ids) <= 25
    finally:
        baseline.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_every_word_is_required(run, known, engine):
    workdir, _records = run
    baseline = BASELINES[engine](workdir / engine).open()
    try:
        query = next(iter(known.values()))
        assert baseline.search(f"{query} zzzqqxnotaword").count == 0
    finally:
        baseline.close()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "query", ['say "hi', '"', "in-context", "-", 'a"b" NEAR(x) OR AND', "back\\slash", "col:on *"]
)
def test_query_syntax_in_the_words_does_not_raise(run, engine, query):
    workdir, _records = run
    baseline = BASELINES[engine](workdir / engine).open()
    try:
        hits = baseline.search(query)
        assert hits.count >= 0
    finally:
        baseline.close()


def test_fts5_match_quotes_each_word():
    assert fts5_match('in-context say "hi') == '"in-context" "say" """hi"'


def test_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert percentiles(values) == (50.5, 95.0, 100.0)
    assert percentiles([3.0]) == (3.0, 3.0, 3.0)


def test_workdir_is_removed_unless_given(tmp_path, monkeypatch, capsys):
    queries = tmp_path / "q.txt"
    queries.write_text("prosthetic vision\n", encoding="utf-8")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where mkdtemp creates the workdir
    monkeypatch.delenv("BENCH_RESULTS", raising=False)
    main(["--corpus", str(CORPUS), "--engines", "fts5", "--queries", str(queries), "--rounds", "1"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.txt"]
    assert "fts5: 66 papers" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--engines", "lucene"], "unknown engine"),
        (["--corpus", "/nonexistent.jsonl"], "no such corpus"),
        (["--rounds", "0"], "at least 1"),
        (["--queries", "/nonexistent.txt"], "no such queries file"),
    ],
)
def test_bad_input_exits_with_a_reason(argv, message):
    argv = ["--corpus", str(CORPUS), *argv] if "--corpus" not in argv else argv
    with pytest.raises(SystemExit, match=message):
        main(argv)


def test_plain_json_lines_are_read_too(tmp_path):
    plain = tmp_path / "corpus.jsonl"
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        plain.write_text(f.read(), encoding="utf-8")
    papers = list(iter_papers(plain))
    assert len(papers) == 66
    assert all(p.id and isinstance(p.authors, list) for p in papers)
