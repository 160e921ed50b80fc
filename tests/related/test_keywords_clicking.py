"""Keywords worth clicking, on the 2,722-paper demo corpus: no bare surnames (learned from
the authors field) and every keyword written in the paper, so its search link finds it."""

from __future__ import annotations

import re

from coolpapers.papers.text import fold


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


def test_every_keyword_is_written_in_its_paper(demo_model, demo_papers):
    for result, paper in zip(demo_model.compute(demo_papers), demo_papers, strict=True):
        text = " ".join(fold(f"{paper.title} {paper.abstract}").split())
        for keyword in result.keywords:
            assert re.search(rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])", text), (
                paper.arxiv_id,
                keyword,
            )
