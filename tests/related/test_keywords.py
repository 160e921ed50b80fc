"""Keywords of real papers against the 2,722-paper demo corpus: ten readable words and
phrases with the highest BM25 weight, never stopwords, boilerplate, numbers or TeX."""

from __future__ import annotations

import gzip
import json
import re

from coolpapers.papers.text import fold
from coolpapers.related.keywords import select_keywords
from coolpapers.related.tokens import IGNORED, clean


def keywords_of(model, papers):
    return {r.arxiv_id: r.keywords for r in model.compute(papers)}


def test_keywords_are_readable_words_and_phrases_the_paper_wrote(demo_model, demo_papers):
    papers = demo_papers[:300]
    keywords = keywords_of(demo_model, papers)
    with_phrase = 0
    for paper in papers:
        found = keywords[paper.arxiv_id]
        # Four at least: a two-line abstract ("We prove ... Schur positivity ...") has no more
        # words worth clicking once "prove" and "function" are learned as boilerplate.
        assert 4 <= len(found) <= 10 and len(set(found)) == len(found)
        text = " ".join(re.split(r"[\s]+", clean(paper.title + " . " + paper.abstract)))
        for keyword in found:
            assert keyword == keyword.lower() and keyword.isascii()
            assert not re.search(r"[$\\{}^_]", keyword)
            # Numbers never: every word starts with a letter, or is 2d/3d/4d.
            assert all(re.match(r"[a-z]|[1-4]d$", w) for w in re.split(r"[ -]", keyword))
            for word in keyword.split(" "):  # "semi-simple" is one word, "self-supervised" two
                assert word not in IGNORED and word.replace("-", "") not in IGNORED
            assert keyword in text, (paper.arxiv_id, keyword)
        with_phrase += any(" " in k or "-" in k for k in found)
    assert with_phrase > 0.5 * len(papers)


def test_keywords_of_known_papers(demo_model, demo_papers):
    wanted = {
        # "Understanding constraints on primordial mass black holes made of dark matter using
        # fast radio bursts ..."
        "2607.28704": {"dark matter", "black holes", "gravitational lensing", "primordial"},
        # "Stability conditions and moduli spaces on projective families"
        "2607.28411": {"moduli", "projective", "derived category"},
    }
    papers = [p for p in demo_papers if p.arxiv_id in wanted]
    keywords = keywords_of(demo_model, papers)
    for arxiv_id, expected in wanted.items():
        assert expected <= set(keywords[arxiv_id]), keywords[arxiv_id]


def test_a_phrase_absorbs_its_words_and_ties_go_alphabetically():
    terms = ["diffusion", "diffusion model", "model", "graph", "zebra", "alpaca"]
    weights = [9.0, 8.0, 7.0, 5.0, 3.0, 3.0]
    surfaces = {"diffusion model": "diffusion models"}
    picked = select_keywords(terms, weights, lambda t: surfaces.get(t, t), n=4)
    assert picked == ["diffusion models", "graph", "alpaca", "zebra"]


def test_latex_heavy_abstract_keeps_words_only(demo_model, demo_papers, sample_papers):
    # "... such as $tanh$, $sigmoid$, and $softmax$ ... 4.64$\times$ ... at CMOS 28 nm"
    cordic = next(p for p in sample_papers if p.arxiv_id == "2503.11685")
    analysis = cordic.analyze()
    weights = demo_model.weigh([analysis])
    terms = [demo_model.terms[c] for c in weights.indices if demo_model.df[c] >= 2]
    assert terms and all(fold(t) == t for t in terms)
    assert not {"tanh", "sigmoid", "softmax", "times", "28"} & set(terms)


def test_boilerplate_is_learned_from_fields_and_titles(demo_model, demo_papers):
    """Words common in every field, and words abstracts use but titles avoid, are boilerplate;
    a field's own topics are not, though most of the demo is computer science."""
    column = demo_model.vocabulary

    def boilerplate(term: str) -> bool:
        return bool(demo_model.boilerplate[column[term]])

    generic = ["propose", "result", "paper", "show", "existing", "significantly", "highly"]
    assert all(map(boilerplate, generic))
    topics = ["llm", "agent", "reasoning", "memory", "graph", "safety", "reward", "galaxy"]
    assert not any(map(boilerplate, [*topics, "transformer", "diffusion", "vertex", "tissue"]))
    phrases = ["language model", "diffusion model", "derived category", "dark matter"]
    assert not any(map(boilerplate, [*phrases, "code generation", "ai safety", "field theory"]))
    # Abstract talk bounds a phrase; a word common across fields may head one.
    assert all(map(boilerplate, ["significantly reducing", "highly efficient", "perform better"]))
    found = {k for r in demo_model.compute(demo_papers[:400]) for k in r.keywords}
    terms = {demo_model.vocabulary.get(k.replace("-", " ")) for k in found} - {None}
    assert not demo_model.boilerplate[list(terms)].any()
    assert not {"propose", "proposed", "results", "paper", "existing", "significantly"} & found


def test_a_topic_of_one_field_is_not_boilerplate_a_word_of_every_field_is(demo_papers):
    """Real records of three fields: "llm", common in the computer science papers only, stays a
    topic; "result", common in all three, is boilerplate; one field alone learns no spread."""
    from coolpapers.related.corpus import CorpusModel
    from tests.related.conftest import DEMO, field_of

    with gzip.open(DEMO, "rt", encoding="utf-8") as stream:
        fields = {r["id"]: field_of(r["primary_category"]) for r in map(json.loads, stream)}
    by_field: dict[str, list] = {}
    for paper in demo_papers:
        by_field.setdefault(fields[paper.arxiv_id], []).append(paper)
    assert {"Computer Science", "Mathematics", "Physics"} <= set(by_field)
    mixed = [*by_field["Computer Science"][:200], *by_field["Mathematics"], *by_field["Physics"]]
    model = CorpusModel.build(mixed, fields=fields)
    assert model.boilerplate[model.vocabulary["result"]]
    assert not model.boilerplate[model.vocabulary["llm"]]
    assert not model.boilerplate[model.vocabulary["galaxy"]]
    cs_only = CorpusModel.build(by_field["Computer Science"][:400], fields=fields)
    # One field: no spread to measure, so "model" is no longer boilerplate, and "llm" stays.
    assert not cs_only.boilerplate[[cs_only.vocabulary[t] for t in ("model", "llm")]].any()


def test_without_fields_only_abstract_talk_is_boilerplate(demo_papers):
    from coolpapers.related.corpus import CorpusModel

    model = CorpusModel.build(demo_papers)
    assert model.boilerplate[model.vocabulary["significantly"]]
    assert not model.boilerplate[model.vocabulary["model"]]  # common in every field only
    assert not model.boilerplate[model.vocabulary["llm"]]
