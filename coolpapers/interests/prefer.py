"""The ❤ sort: a list re-ordered by the BM25 score of a reader's preference keywords.

The keywords come from the reader's browser (`?sort=prefer&kw=diffusion model,graph neural`);
the server keeps nothing. Scores are the search engine's BM25 over the papers' text,
restricted to the list being sorted, so the order is the one a search for the keywords
would give among those papers. Papers matching no keyword keep their place in the list's
own order after the matching ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from search.backends import get_backend
from search.backends.base import SearchRequest
from search.query import Or, QueryError, Term

MAX_KEYWORDS = 40
MAX_LENGTH = 1000
_SPLIT = re.compile(r"[,;\n]+")
_WORD = re.compile(r"\w+(?:[-']\w+)*")


NEEDS_KEYWORDS = "sort=prefer needs your preference keywords in kw=, e.g. kw=diffusion model,graph"


class BadKeywords(ValueError):
    """`kw` cannot be used; the message says why."""


def parse_keywords(text: str | None) -> tuple[str, ...]:
    """`kw=a,b c,d` → ("a", "b c", "d"): comma-separated, blanks and repeats dropped."""
    text = (text or "").strip()
    if not text:
        raise BadKeywords(NEEDS_KEYWORDS)
    if len(text) > MAX_LENGTH:
        raise BadKeywords(f"kw= is {len(text)} characters long; at most {MAX_LENGTH}")
    keywords = tuple(dict.fromkeys(" ".join(part.split()).lower() for part in _SPLIT.split(text)))
    keywords = tuple(k for k in keywords if _WORD.search(k))
    if not keywords:
        raise BadKeywords("kw= holds no words")
    if len(keywords) > MAX_KEYWORDS:
        raise BadKeywords(f"kw= holds {len(keywords)} keywords; at most {MAX_KEYWORDS}")
    return keywords


def keyword_query(keywords: Sequence[str]) -> Or:
    """Any word of any keyword, each scored by BM25 (a phrase's words count separately)."""
    words = dict.fromkeys(w.lower() for k in keywords for w in _WORD.findall(k))
    return Or(tuple(Term(None, word) for word in words))


def prefer_order(ids: Sequence[str], keywords: Sequence[str]) -> list[str]:
    """`ids` with the papers matching the keywords first, best BM25 score first."""
    if not ids:
        return []
    request = SearchRequest(query=keyword_query(keywords), only_ids=frozenset(ids))
    results = get_backend().search(request)
    try:
        matched = [hit.arxiv_id for hit in results[: results.count]]
    except QueryError:  # only words too common to score, such as "the"
        return list(ids)
    seen = set(matched)
    return [*matched, *(pid for pid in ids if pid not in seen)]
