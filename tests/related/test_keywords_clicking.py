"""Keywords worth clicking, on the 2,722-paper demo corpus: no bare surnames (learned from
the authors field) and every keyword whole words of the search index, so its link finds it."""

from __future__ import annotations

import re

import pytest

from coolpapers.papers.text import fold
from search.backends.whoosh import _TEXT_WORD


def test_a_surname_is_never_a_keyword(demo_model, demo_papers):
    surnames = {
        w for p in demo_papers for a in p.authors for w in re.findall(r"[a-z]+", fold(a))[-1:]
    }
    results = demo_model.compute(demo_papers[:600])
    found = {k for r in results for k in r.keywords}
    text_words = {"lam", "yamada"} & found
    assert not text_words, text_words
    bare = {
        k for k in found if k in surnames and demo_model.surnames[demo_model.vocabulary.get(k, 0)]
    }
    assert not bare, sorted(bare)


def _search_words(text: str) -> list[str]:
    """Words as the search index cuts them: "k2.6", "llama.cpp" and "h_dp" are one word."""
    return [m.group() for m in _TEXT_WORD.finditer(text)]


def test_every_keyword_is_whole_words_of_the_search_index(demo_model, demo_papers):
    for result, paper in zip(demo_model.compute(demo_papers), demo_papers, strict=True):
        words = " ".join(_search_words(fold(f"{paper.title} {paper.abstract}")))
        for keyword in result.keywords:
            wanted = " ".join(_search_words(keyword))
            assert re.search(rf"(?<!\S){re.escape(wanted)}(?!\S)", words), (
                paper.arxiv_id,
                keyword,
            )


def test_parts_of_dotted_and_underscored_words_are_not_keywords(demo_model, demo_papers):
    # "Kimi K2.6", "llama.cpp", "lambda_ca(r)", "Qwen2.5", "Agent Lightning v1.0"
    parts = {
        "2608.08634": {"k2"},
        "2608.08477": {"cpp"},
        "2608.10986": {"lambda", "ca"},
        "2608.15445": {"qwen2"},
        "2608.17528": {"v1"},
    }
    papers = [p for p in demo_papers if p.arxiv_id in parts]
    for result in demo_model.compute(papers):
        assert result.keywords and not parts[result.arxiv_id] & set(result.keywords)


@pytest.mark.django_db
def test_every_keyword_link_finds_its_paper(related):
    """The search each keyword link runs (bench/keywords.py) returns the paper."""
    from bench.keywords import finds_paper
    from coolpapers.related.models import PaperKeywords

    rows = list(PaperKeywords.objects.values_list("paper_id", "keywords"))
    assert len(rows) > 50
    missed = [(pid, k) for pid, keywords in rows for k in keywords if not finds_paper(k, pid)]
    assert not missed
