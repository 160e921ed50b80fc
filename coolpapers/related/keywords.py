"""A paper's ten most characteristic keywords: its highest BM25-weighted words and phrases.

The weight is the term's BM25 weight in the paper against the whole corpus (idf times
saturated term frequency, rank-bm25's BM25Okapi with k1=1.5, b=0.75), so a word the paper
repeats and few other papers use ranks first. Stopwords, boilerplate, numbers and formulas
never reach this point (see tokens.py); terms only this paper uses are names, not topics,
so a keyword must occur in at least two papers. A phrase absorbs the words it is made of,
so "diffusion model" does not come with "diffusion" and "model" beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

KEYWORDS = 10
MIN_KEYWORD_DF = 2


def absorb(chosen: list[str], term: str) -> list[str] | None:
    """`chosen` with `term` added, a phrase absorbing the words it is made of; None when a
    chosen phrase already holds the word."""
    if " " in term:
        parts = term.split(" ")
        return [*(c for c in chosen if c not in parts), term]
    if any(term in c.split(" ") for c in chosen if " " in c):
        return None
    return [*chosen, term]


def select_keywords(
    terms: Sequence[str],
    weights: Sequence[float],
    surface: Callable[[str], str],
    written: Callable[[str], bool] = lambda keyword: True,
    n: int = KEYWORDS,
) -> list[str]:
    """The n best terms by weight (ties: alphabetical) as written, phrases absorbing words;
    a term whose surface form is not `written` in the paper is skipped (its link would miss)."""
    chosen: list[str] = []
    for _, term in sorted(zip(weights, terms, strict=True), key=lambda x: (-x[0], x[1])):
        if len(chosen) == n:
            break
        if not written(surface(term)):
            continue
        chosen = absorb(chosen, term) or chosen
    return [surface(term) for term in chosen]
