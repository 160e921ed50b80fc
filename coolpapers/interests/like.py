"""More like these: papers nearest to the mean embedding of papers a reader picked.

Two users: the API's GET /api/papers/like (ids=, restricted to a daily list or to a range of
announcement days) and the ❤ sort of the daily lists (like=, the papers the reader opened
last, kept by their browser; the server keeps nothing). Both need semantic mode
(coolpapers.semantic.services); without it the API answers 503 and the ❤ sort falls back on
the reader's keywords (coolpapers.interests.prefer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.category_spec import CategorySpec, filter_papers
from coolpapers.papers.models import Paper
from coolpapers.semantic import services

MAX_IDS = 50
# A range pool is read from the database embedding by embedding: a month at most.
MAX_RANGE_DAYS = 31
_SPLIT = ","


class BadPaperIds(ValueError):
    """A list of ids the reader can fix (400); the message names the parameter and why."""


class LikeUnusable(ValueError):
    """like= cannot order a list (semantic mode off, nothing embedded); the message says why."""


class NoSuchPapers(LookupError):
    """None of the given papers is in the database (404)."""


def semantic_on() -> bool:
    """Semantic mode, without counting embeddings: cheap enough for every list page."""
    return services.mode(count=False).semantic


def parse_paper_ids(text: str | None, name: str = "ids") -> tuple[str, ...]:
    """`2503.11677,arXiv:2503.11685v2` → canonical ids in the given order, repeats dropped.

    Blank entries (a trailing comma) are ignored; more than MAX_IDS entries, or any entry
    that is not an arXiv id, is an error naming the entry.
    """
    parts = [part.strip() for part in (text or "").split(_SPLIT)]
    parts = [part for part in parts if part]
    if not parts:
        raise BadPaperIds(
            f"{name}= needs 1 to {MAX_IDS} arXiv ids separated by commas, "
            "e.g. 2503.11677,2503.11685"
        )
    if len(parts) > MAX_IDS:
        raise BadPaperIds(f"{name}= holds {len(parts)} ids; at most {MAX_IDS}")
    ids: list[str] = []
    for part in parts:
        try:
            ids.append(parse_arxiv_id(part).id)
        except InvalidArxivId as error:
            raise BadPaperIds(f"{name}=: {error}") from error
    return tuple(dict.fromkeys(ids))


def range_days(start: date, end: date) -> int:
    """Days in the range, both ends included (0 or less when `start` is after `end`)."""
    return (end - start).days + 1


def range_pool(start: date, end: date, spec: CategorySpec | None = None) -> list[str]:
    """Papers first announced from `start` to `end` (as the search's from/to), by id."""
    papers = Paper.objects.filter(announced__range=(start, end))
    if spec is not None:
        papers = filter_papers(papers, spec)
    return list(papers.order_by("pk").values_list("pk", flat=True))


@dataclass(frozen=True)
class Likeness:
    """What more_like found: the given papers sorted by use, and the pool's nearest papers."""

    used: list[str]  # given papers with an embedding: their mean is the query
    missing: list[str]  # given ids not in the database
    pending: list[str]  # given papers whose embedding is not computed yet
    results: list[tuple[str, float]]  # (id, cosine), best first


def more_like(ids: Sequence[str], pool: Sequence[str], limit: int) -> Likeness:
    """The `limit` papers of `pool` nearest to the mean embedding of `ids`.

    Raises NoSuchPapers when none of `ids` is in the database, and
    services.NothingToCompare when none of those that are has an embedding yet.
    """
    known = set(Paper.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
    missing = [pid for pid in ids if pid not in known]
    if not known:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise NoSuchPapers(f"none of these papers is in our database: {shown}")
    present = [pid for pid in ids if pid in known]
    given = services.given_vectors(present)  # NothingToCompare: none embedded
    return Likeness(
        used=[pid for pid in present if pid in given],
        missing=missing,
        pending=[pid for pid in present if pid not in given],
        results=services.nearest_to(given, pool, limit),
    )


def like_order(ids: Sequence[str], liked: Sequence[str]) -> list[str]:
    """`ids` (a list in its own order) by cosine to the mean embedding of `liked`.

    The liked papers on the list with an embedding come first, in the list's order (the
    reader picked them; their similarity to their own mean says nothing new), then the others
    best first, then those without an embedding in the list's order. Raises LikeUnusable,
    saying why, when semantic mode is off or none of `liked` has an embedding.
    """
    mode = services.mode(count=False)
    if not mode.semantic:
        raise LikeUnusable(f"semantic mode is off ({mode.detail})")
    try:
        given = services.given_vectors(liked)
    except services.NothingToCompare as error:
        raise LikeUnusable(str(error)) from error
    ranked = services.nearest_to(given, ids, len(ids))  # leaves the given papers out
    first = [pid for pid in ids if pid in given]
    placed = {pid for pid, _ in ranked} | set(first)
    return [*first, *(pid for pid, _ in ranked), *(pid for pid in ids if pid not in placed)]
