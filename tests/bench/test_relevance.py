"""bench.relevance: the content-word rule, the scores, the query file, and a real run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.relevance import (
    QUERIES_FILE,
    Answer,
    Corpus,
    Query,
    Rule,
    Scores,
    fold,
    join_prefixes,
    make_queries,
    paper_terms,
    parse_line,
    read_queries,
    relevant_sets,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fixtures/arxiv/corpus/daily_arxiv_sample.jsonl.gz"


def matches(query: str, text: str, **expansions: str) -> bool:
    rule = Rule.of(query, expansions)
    return rule.matches(paper_terms(text, rule.stems(), join_prefixes(rule.stems())))


def test_accents_fold_the_same_way_typed_tex_or_ligature():
    assert fold('Schr\\"odinger') == fold("Schrödinger") == fold("Schrodinger") == "schrodinger"
    assert fold('Schr\\"{o}dinger Erd\\H{o}s') == "schrodinger erdos"
    assert fold("ﬁnite Gauß Ørsted") == "finite gauss orsted"


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("what are the limits of in-context learning", "Limits of In-Context Learning."),
        ("self-supervised speech", "selfsupervised models of speech"),
        ("multimodal agents", "multi-modal agent"),
        ("optimisation of transformers", "We study optimization of a transformer."),
        ("modelling human behaviour", "models of human behavior"),
        ("Schrödinger equation", 'the Schr\\"odinger equations'),
        ("Schrodinger equation", "Schrödinger equation"),
    ],
)
def test_the_rule_ignores_stopwords_case_hyphens_spelling_and_accents(query, text):
    assert matches(query, text)


def test_the_rule_needs_every_content_word():
    assert not matches("in-context learning for robots", "in-context learning")
    assert not matches("what is it", "what is it")  # no content word: never relevant


def test_an_acronym_is_also_its_documented_expansion():
    text = "hallucinations of large language models"
    assert matches("hallucinations in LLMs", text, LLM="large language model")
    assert not matches("hallucinations in LLMs", text)  # undocumented: the word itself
    assert matches("hallucinations in LLMs", "LLM hallucination", LLM="large language model")


def test_relevant_sets_read_the_papers_once():
    rules = {"graph networks": Rule.of("graph networks"), "zzqx": Rule.of("zzqx")}
    papers = [("1", "Graph neural networks"), ("2", "A network of graphs"), ("3", "graph")]
    assert relevant_sets(rules, papers) == {"graph networks": {"1", "2"}, "zzqx": set()}


def test_known_item_scores():
    scores = Scores(known_item=True)
    item = Query("title", "q", "2503.11677")
    scores.add(item, Answer(["2503.11677", "x"], 2, 1.0), None)  # first
    scores.add(item, Answer(["x", "y", "2503.11677"], 3, 1.0), None)  # third
    scores.add(item, Answer(["x"] * 10 + ["2503.11677"], 11, 1.0), None)  # 11th: not in top 10
    scores.add(item, Answer([], 0, 1.0, "a 400"), None)  # refused: zero results
    figures = scores.figures()
    assert figures["hit@1"] == 0.25 and figures["hit@3"] == 0.5
    assert figures["MRR@10"] == pytest.approx((1 + 1 / 3) / 4)
    assert figures["zero-result"] == 0.25


def test_rule_scores_count_answerable_queries_only():
    scores = Scores(known_item=False)
    topic = Query("topic", "q")
    scores.add(topic, Answer(["a", "b", "c"], 3, 1.0), {"a", "c", "z"})
    scores.add(topic, Answer([], 0, 1.0), {"a"})
    scores.add(topic, Answer(["a"], 1, 1.0), set())  # unanswerable: not scored
    assert scores.unanswerable == 1 and scores.n == 2
    assert scores.figures() == {"zero-result": 0.5, "P@10": 0.1, "relevant in top 10": 0.5}


def test_query_lines_round_trip_and_bad_lines_exit_with_a_reason():
    line = "topic\tRAG for QA\trule; RAG=retrieval-augmented generation"
    assert parse_line(line, "x").line() == line
    assert parse_line("title\tA: B ($\\alpha$)\t2503.11677", "x").expect == "2503.11677"
    for bad, reason in [("topic\tq", "3 tab-separated"), ("movie\tq\trule", "unknown kind"),
                        ("topic\tq\tmaybe", "neither an arXiv id")]:  # fmt: skip
        with pytest.raises(SystemExit, match=reason):
            parse_line(bad, "x")


def test_the_committed_query_set_has_every_kind_in_number():
    _comments, queries = read_queries(QUERIES_FILE)
    count = {k: sum(q.kind == k for q in queries) for k in {q.kind for q in queries}}
    assert len(queries) >= 300
    assert count["title"] >= 80 and count["typo"] >= 50 and count["remembered"] >= 50
    assert count["topic"] >= 100 and count["accent"] >= 20 and count["author"] >= 20
    assert any("$" in q.text for q in queries if q.kind == "title")  # TeX as pasted
    assert all(q.text.startswith("author:") for q in queries if q.kind == "author")


def test_made_queries_come_from_the_corpus_and_repeat_with_the_seed():
    corpus = Corpus.read(CORPUS)
    counts = {"title": 10, "typo": 5, "remembered": 5, "accent": 2, "author": 5}
    made = make_queries(corpus, 15, counts)
    assert made == make_queries(corpus, 15, counts)
    titles = {p.id: " ".join(p.title.split()) for p in corpus.papers}
    for query in made:
        assert query.expect in titles
        if query.kind == "title":
            assert query.text == titles[query.expect]
        if query.kind == "typo":
            assert query.text != titles[query.expect]
            assert len(query.text.split()) == len(titles[query.expect].split())
    assert {q.kind for q in made} >= {"title", "typo", "remembered", "author"}


@pytest.mark.timeout(600)
def test_a_run_on_the_fixture_scores_both_backends_and_the_baselines(tmp_path):
    pytest.importorskip("tantivy")
    queries = tmp_path / "queries.tsv"
    queries.write_text(
        "\n".join(
            [
                "# a comment",
                "remembered\tprosthetic PRIMA vision\t2503.11677",
                "remembered\tzzqxv blorft\t2503.11685",
                "title\tFloPE Flower Pose Estimation Precision Pollination\t2503.11692",
                "author\t-survey\t2503.11685",  # a 400 (only excludes): zero results, listed
                "author\tauthor:Kokane CORDIC\t9999.99999",  # not in the database: skipped
                "topic\tprosthetic vision\trule",
                "topic\tzzqxv blorft\trule",  # unanswerable
            ]
        )
        + "\n"
    )
    out = tmp_path / "report.json"
    records = tmp_path / "records.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["BENCH_RESULTS"] = str(records)
    args = ["--data-dir", str(tmp_path / "data"), "--corpus", str(CORPUS), "--baselines"]
    args += ["--queries", str(queries), "--json", str(out)]
    run = subprocess.run(
        [sys.executable, "-m", "bench.relevance", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["papers"] == 66 and report["queries"] == 6 and report["skipped"] == 1
    assert set(report["engines"]) == {"whoosh", "tantivy", "raw tantivy", "fts5"}
    for name, engine in report["engines"].items():
        groups = engine["groups"]
        assert groups["title"]["hit@1"] == 1.0, name
        assert groups["remembered"] == {"hit@1": 0.5, "hit@3": 0.5, "MRR@10": 0.5,
                                        "zero-result": 0.5}, name  # fmt: skip
        assert groups["topic"]["zero-result"] == 0.0 and engine["n"]["topic"] == 1, name
        assert groups["topic"]["relevant in top 10"] == 1.0, name
        assert 0 < engine["p50_ms"] <= engine["p95_ms"]
    for name in ("whoosh", "tantivy"):
        engine = report["engines"][name]
        assert engine["groups"]["author"]["zero-result"] == 1.0
        assert [r["q"] for r in engine["refused"]] == ["-survey"]
        assert "only excludes" in engine["refused"][0]["error"]
    assert report["answerable"] == {"prosthetic vision": 1, "zzqxv blorft": 0}
    assert "| topic (1 of 2 answerable) | relevant in top 10 |" in run.stdout
    names = {json.loads(line)["name"] for line in records.read_text().splitlines()}
    assert "relevance.whoosh.title.hit_1" in names and "relevance.fts5.p95_ms" in names
