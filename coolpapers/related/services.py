"""Keywords and related papers between the database, the corpus model and the tasks.

For pages and the API:
    keywords_for(ids)            {arxiv id: [keyword, ...]} for a page of papers, one query
    related_papers(arxiv_id)     the stored related papers, best first, with score and rank
    related_scores(arxiv_id)     the same as (id, score) pairs, without loading the papers

For tasks and the command:
    compute_papers(ids)          keywords + related lists of these papers, stored (a chunk)
    update_papers(ids)           the same after an ingestion, then a rebuild if one is due
    build_model()                a new corpus model from the database, made current
    stale_ids() / chunks(ids)    what a recompute must cover, cut for several workers

When results go stale: a paper's results record the content hash of the paper and the
version of the corpus model they were computed with. A changed paper is recomputed at once
(papers_changed), against the current model with a new row for its new text. Papers added
or changed since the model was built get rows with the build's idf and average length, so
they are found at once; when they exceed REBUILD_FRACTION (5%) of the papers the model was
built from, the model is rebuilt (new idf, new phrases) and every paper, now carrying an
older model version, is recomputed — old papers' lists then include the new papers too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from coolpapers.papers.models import Paper
from coolpapers.related import hooks, store
from coolpapers.related.corpus import CorpusModel, PaperResult, PaperText
from coolpapers.related.models import PaperKeywords, RelatedPaper
from coolpapers.related.signals import related_changed

logger = logging.getLogger(__name__)

CHUNK = 2000
_FIELDS = ("arxiv_id", "title", "abstract", "authors", "comments", "content_hash")


def _text(row: tuple) -> PaperText:
    arxiv_id, title, abstract, authors, comments, content_hash = row
    return PaperText(arxiv_id, title, abstract, authors or [], comments, content_hash)


def paper_texts(ids: Iterable[str]) -> list[PaperText]:
    """The papers with these ids that exist, in the order given."""
    ids = list(dict.fromkeys(ids))
    found: dict[str, PaperText] = {}
    for start in range(0, len(ids), CHUNK):
        rows = Paper.objects.filter(pk__in=ids[start : start + CHUNK]).values_list(*_FIELDS)
        found.update((row[0], _text(row)) for row in rows)
    return [found[pid] for pid in ids if pid in found]


def iter_paper_texts(chunk: int = CHUNK) -> Iterator[PaperText]:
    """Every paper in id order, a chunk per query, so memory stays flat."""
    last = ""
    while True:
        rows = list(Paper.objects.filter(pk__gt=last).order_by("pk").values_list(*_FIELDS)[:chunk])
        if not rows:
            return
        yield from (_text(row) for row in rows)
        last = rows[-1][0]


def build_model(progress: Callable[[int], None] | None = None) -> CorpusModel | None:
    """Build a corpus model from every paper and make it current (None: no papers yet).

    Papers that change while the model is built are added to it before this returns.
    """
    started = timezone.now()
    if not Paper.objects.exists():
        return None
    # Fields teach the keywords the site's boilerplate; related papers never read them.
    fields = dict(Paper.objects.values_list("pk", "primary_category__archive__group"))
    built = CorpusModel.build(iter_paper_texts(), progress=progress, fields=fields)
    store.save_model(built)
    changed = list(Paper.objects.filter(modified_at__gte=started).values_list("pk", flat=True))
    _add_missing_rows(built, paper_texts(changed))
    logger.info("related: built model %s of %d papers", built.version, built.base_rows)
    return built


def model() -> CorpusModel | None:
    """The current model, built first if there is none yet (by one process at a time)."""
    current = store.current_model()
    if current is not None:
        return current
    with store.build_lock():
        return store.current_model() or build_model()


def _add_missing_rows(current: CorpusModel, papers: Sequence[PaperText]) -> None:
    """Rows for papers new or changed since the build, written for every process to load."""
    missing = [papers[i] for i in current.outdated(papers)]
    if missing:
        weights = current.weigh([p.analyze() for p in missing])
        store.add_rows(
            current, [p.arxiv_id for p in missing], [p.content_hash for p in missing], weights
        )


def compute_papers(ids: Sequence[str]) -> int:
    """Compute and store keywords and related papers of these papers; returns how many.

    When another process swaps in a new model meanwhile, the papers are computed again with
    that one, so no result is left behind on a model that is no longer current.
    """
    papers = paper_texts(ids)
    while True:
        current = model()
        if current is None or not papers:
            return 0
        _add_missing_rows(current, papers)
        if current.outdated(papers):
            continue  # swapped before the rows were added
        computed = hooks.relate(current, papers)
        save_results([r for r, _ in computed], current.version, [s for _, s in computed])
        if store.current_version() == current.version:
            return len(computed)


def save_results(
    results: Sequence[PaperResult], version: str, signals: Sequence[str] | None = None
) -> None:
    """Replace these papers' stored results in one transaction, in bulk; `signals[i]` says
    what ordered result i's list (BM25 alone when not given)."""
    if not results:
        return
    now = timezone.now()
    ids = [r.arxiv_id for r in results]
    mentioned = {pid for r in results for pid, _ in r.related}
    existing = set()
    for start in range(0, len(mentioned), CHUNK):
        part = list(mentioned)[start : start + CHUNK]
        existing.update(Paper.objects.filter(pk__in=part).values_list("pk", flat=True))
    links = []
    for result in results:
        kept = [(pid, score) for pid, score in result.related if pid in existing]
        links.extend(
            RelatedPaper(paper_id=result.arxiv_id, related_id=pid, rank=rank, score=score)
            for rank, (pid, score) in enumerate(kept, start=1)
        )
    states = [
        PaperKeywords(
            paper_id=r.arxiv_id,
            keywords=r.keywords,
            content_hash=r.content_hash,
            model_version=version,
            signals=signals[i] if signals else hooks.SIGNALS_BM25,
            computed_at=now,
        )
        for i, r in enumerate(results)
    ]
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            RelatedPaper.objects.filter(paper_id__in=ids[start : start + CHUNK]).delete()
        RelatedPaper.objects.bulk_create(links, batch_size=5000)
        # Pages show keywords and lists: whoever caches them hears of the change.
        transaction.on_commit(lambda: related_changed.send(sender=RelatedPaper, paper_ids=ids))
        PaperKeywords.objects.bulk_create(
            states,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["paper"],
            update_fields=["keywords", "content_hash", "model_version", "signals", "computed_at"],
        )


def rebuild_timeout() -> float:
    """Seconds after which a rebuild request that never finished may be made again."""
    return float(settings.RELATED_REBUILD_TIMEOUT)


def update_papers(ids: Sequence[str], request_rebuild: Callable[[], None] | None = None) -> int:
    """After an ingestion: compute the changed papers, then ask for a rebuild if one is due.

    request_rebuild queues the rebuild (a Celery task); without it, it runs here.
    """
    hooks.prepare(ids)
    done = compute_papers(ids)
    current = store.current_model()
    if current is not None and current.needs_rebuild and store.request_rebuild(rebuild_timeout()):
        logger.info(
            "related: %d papers added since model %s of %d papers: rebuilding",
            current.added_rows,
            current.version,
            current.base_rows,
        )
        if request_rebuild is not None:
            request_rebuild()
        else:
            rebuild(lambda chunk: compute_papers(chunk))
    return done


def rebuild(dispatch: Callable[[list[str]], object], chunk: int = CHUNK) -> int:
    """Build a new model, then hand every paper to `dispatch` in chunks; returns the count."""
    try:
        if build_model() is None:
            return 0
        ids = stale_ids()
        for part in chunks(ids, chunk):
            dispatch(part)
        return len(ids)
    finally:
        store.rebuild_done()


def stale_ids() -> list[str]:
    """Papers without results, or with results of an older text or model (all when no model)."""
    version = store.current_version() or ""
    papers = Paper.objects.annotate(
        stored_hash=F("related_state__content_hash"),
        stored_version=F("related_state__model_version"),
    ).filter(
        Q(stored_hash__isnull=True) | ~Q(stored_hash=F("content_hash")) | ~Q(stored_version=version)
    )
    return list(papers.order_by("pk").values_list("pk", flat=True))


def all_ids() -> list[str]:
    return list(Paper.objects.order_by("pk").values_list("pk", flat=True))


def changed_ids(since: datetime) -> list[str]:
    return list(
        Paper.objects.filter(modified_at__gte=since).order_by("pk").values_list("pk", flat=True)
    )


def chunks(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


# --- reading results ---------------------------------------------------------------------


@dataclass(frozen=True)
class Related:
    paper: Paper
    score: float
    rank: int


def keywords_for(ids: Iterable[str]) -> dict[str, list[str]]:
    """Stored keywords of these papers (papers without any yet are left out)."""
    return dict(
        PaperKeywords.objects.filter(paper_id__in=list(ids)).values_list("paper_id", "keywords")
    )


def stored_keywords(paper: Paper) -> list[str]:
    """Keywords of a paper fetched with select_related("related_state"); [] when none yet.

    Pages that show keywords join them to the rows they already fetch (no extra query)."""
    try:
        return paper.related_state.keywords
    except PaperKeywords.DoesNotExist:
        return []


def related_scores(arxiv_id: str, limit: int = 20) -> list[tuple[str, float]]:
    """(related id, score) best first, without the papers: list pages fetch those as entries."""
    links = RelatedPaper.objects.filter(paper_id=arxiv_id).order_by("rank")
    return list(links.values_list("related_id", "score")[:limit])


def related_papers(arxiv_id: str, limit: int = 20) -> list[Related]:
    """The stored related papers of a paper, best first, categories prefetched."""
    links = (
        RelatedPaper.objects.filter(paper_id=arxiv_id)
        .select_related("related")
        .prefetch_related("related__category_links")
        .order_by("rank")[:limit]
    )
    return [Related(link.related, link.score, link.rank) for link in links]


def is_stale(arxiv_id: str) -> bool:
    """True when the paper has no results, or results of an older text or model."""
    state = (
        PaperKeywords.objects.filter(paper_id=arxiv_id)
        .values_list("content_hash", "model_version", "paper__content_hash")
        .first()
    )
    return state is None or state[0] != state[2] or state[1] != store.current_version()
