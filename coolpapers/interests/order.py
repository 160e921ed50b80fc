"""The ❤ sort: a daily list or a search's best matches in the order of a reader's interests.

A reader's interests are the papers they opened last (like=, cosine to their mean embedding
in semantic mode: coolpapers.interests.like) or their keywords (kw=, BM25:
coolpapers.interests.prefer). Both come from their browser; the server keeps nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from coolpapers.interests.like import LikeUnusable, like_order
from coolpapers.interests.prefer import NEEDS_KEYWORDS, BadKeywords, prefer_order
from search.backends.base import Hit, SearchResults

PREFER_POOL = 500  # the ❤ sort re-orders this many best matches of a search


def preferred_order(ids: list[str], keywords: tuple[str, ...], liked: tuple[str, ...]) -> list[str]:
    """The ❤ order of a list: by the reader's papers when semantic mode can use them, else by
    their keywords; BadKeywords when neither is usable."""
    why = ""
    if liked:
        try:
            return like_order(ids, liked)
        except LikeUnusable as error:
            why = f"; like= cannot order this list: {error}"
    if not keywords:
        raise BadKeywords(NEEDS_KEYWORDS + why)
    return prefer_order(ids, keywords)


def prefer_hits(
    results: SearchResults, keywords: Sequence[str], start: int, size: int
) -> tuple[list[Hit], bool]:
    """`size` hits from `start` of a search in the ❤ sort: its best PREFER_POOL results
    re-ordered by the keywords, and whether more follow."""
    pool = {hit.arxiv_id: hit for hit in results[:PREFER_POOL]}
    ranked = prefer_order(list(pool), keywords)
    return [pool[pid] for pid in ranked[start : start + size]], start + size < len(ranked)
