"""What the model reads from real titles and abstracts: formulas, numbers, stopwords and
boilerplate are gone, phrases stay inside a clause, surface forms are kept for display."""

from __future__ import annotations

from coolpapers.related.tokens import IGNORED, analyze, author_term, stem


def by_id(papers, arxiv_id):
    return next(p for p in papers if p.arxiv_id == arxiv_id)


def test_latex_and_numbers_never_become_terms(sample_papers):
    # "... such as $tanh$, $sigmoid$, and $softmax$ ... 40\% pruning ... 4.64$\times$ ... 28 nm"
    cordic = by_id(sample_papers, "2503.11685").analyze()
    for gone in ("tanh", "sigmoid", "softmax", "times", "40", "28", "4", "64", "02"):
        assert gone not in cordic.words
    assert {"cordic", "systolic", "accelerator", "fpga"} <= set(cordic.words)
    # "$L^2$FMamba: Lightweight Light Field Image Super-Resolution ..."
    mamba = by_id(sample_papers, "2503.19253").analyze()
    assert "l" not in mamba.words and "2" not in mamba.words
    assert "light field" in mamba.phrases and "super resolution" in mamba.phrases
    for paper in sample_papers:
        analysis = paper.analyze()
        for word in analysis.words:
            assert word.isascii() and word == word.lower()
            assert not word.isdigit() and "$" not in word and "\\" not in word


def test_stopwords_are_dropped(sample_papers):
    """Boilerplate ("novel", "approach") stays a term: the corpus model learns it and keeps it
    out of keywords (tests/related/test_keywords.py)."""
    for paper in sample_papers:
        analysis = paper.analyze()
        assert not set(analysis.words) & IGNORED
        assert all(not set(p.split()) & IGNORED for p in analysis.phrases)
    words = set(by_id(sample_papers, "2503.11945").analyze().words)
    # "In this work, we present a novel approach to watermark images ..."
    assert {"in", "this", "we", "a", "to"} & words == set()
    assert {"watermark", "image", "novel"} <= words


def test_phrases_stay_inside_a_clause_and_keep_their_hyphen(sample_papers):
    # "In the realm of large vision-language models (LVLMs), adversarial jailbreak attacks ..."
    jailbreak = by_id(sample_papers, "2503.11750").analyze()
    assert {
        "vision language",
        "language model",
        "adversarial jailbreak",
        "jailbreak attack",
    } <= set(jailbreak.phrases)
    assert "model lvlm" not in jailbreak.phrases  # the parenthesis ends the phrase
    assert "lvlm adversarial" not in jailbreak.phrases  # so does the comma
    assert jailbreak.surface("vision language") == "vision-language"
    assert jailbreak.surface("language model") == "language models"


def test_title_terms_and_author_and_comment_terms(sample_papers):
    flope = by_id(sample_papers, "2503.11692").analyze()
    assert {"flope", "flower", "pose estimation", "precision pollination"} <= flope.title_terms
    assert all(term.startswith(("@", "#")) for term in flope.extra)
    assert author_term("Bertrand Rémy") == "@remy_b" == author_term("B. R\\'emy")
    assert author_term("") == ""


def test_plural_stems_and_closed_up_prefixes():
    assert [stem(w) for w in ("images", "studies", "classes", "analysis", "loss", "gaussians")] == [
        "image",
        "study",
        "classe",
        "analysis",
        "loss",
        "gaussian",
    ]
    analysis = analyze("Pre-trained non-linear models", "A pretrained nonlinear model.")
    assert analysis.words.count("pretrained") == 2 and analysis.words.count("nonlinear") == 2
