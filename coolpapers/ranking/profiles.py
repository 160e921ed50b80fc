"""The ranking of papers by an interest profile (a collection), as For you, its sort, the API
and the digests call it:

    rank(collection, paper_ids, explain=0) -> list[Scored]
        paper_ids ordered by the profile, best first. The `explain` best get `why`
        (closest profile papers, the words that weighed most). Uses the stored model; a
        profile never trained is ranked by a cold start (its saved papers, else its keywords,
        else the ids' own order). Never raises for unknown ids: they go last.
    train(collection_id) -> TrainResult     (synchronous; the Celery task calls it)
    request_training(collection_id) -> None (sends the task after the transaction commits)

How (coolpapers.ranking.learn has the model): a profile's positives are its 👍 papers and
its saved papers, its negatives its 👎 papers and, while those are few, random papers of
the corpus; its keywords add a BM25 query. A stored model fit on an older corpus model
(rebuilt since) or on fewer ratings than the profile has now still ranks when it can, and
a training is requested; a profile with no usable model is ranked by the cold start (the
same weights without the classifier, computed on the spot).

RANKING_TRAINING setting: "celery" (default: the task on the "profiles" queue), "sync"
(trained in the request, after its commit: tests, a site without workers), "off".
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from coolpapers.library.models import Collection, Rating, SavedPaper
from coolpapers.ranking import features, learn
from coolpapers.ranking.models import ProfileModel
from coolpapers.related import store
from coolpapers.related.corpus import CorpusModel

logger = logging.getLogger(__name__)

WHY_PAPERS = 3
WHY_WORDS = 5
MAX_PROFILE_PAPERS = 5000  # the newest positives and negatives a training reads
EXPLAIN_PAPERS = 500  # the newest positives "why" compares with
REQUEST_THROTTLE = 60  # seconds: rank() asks again for a stale profile's training at most so often


@dataclass(frozen=True)
class Why:
    papers: list[str] = field(default_factory=list)  # arXiv ids of the profile's closest papers
    words: list[str] = field(default_factory=list)  # terms that weighed most, readable


@dataclass(frozen=True)
class Scored:
    arxiv_id: str
    score: float
    why: Why | None = None


@dataclass(frozen=True)
class TrainResult:
    collection_id: int
    trained: bool
    reason: str = ""  # why not trained: "no corpus model", "no such profile", "covered"
    positives: int = 0
    negatives: int = 0
    random_negatives: int = 0
    seconds: float = 0.0


# --- the profile's examples -----------------------------------------------------------------


@dataclass
class _Profile:
    positives: list[str]
    negatives: list[str]
    keywords: list[str]
    ratings: int
    saved: int


def _profile_data(collection: Collection, limit: int = MAX_PROFILE_PAPERS) -> _Profile:
    ratings = list(
        Rating.objects.filter(collection=collection)
        .order_by("-rated_at", "-pk")
        .values_list("paper_id", "value")[:limit]
    )
    saved = list(
        SavedPaper.objects.filter(collection=collection)
        .order_by("-added_at", "-pk")
        .values_list("paper_id", flat=True)[:limit]
    )
    down = {pid for pid, value in ratings if value == Rating.DOWN}
    positives = dict.fromkeys(pid for pid, value in ratings if value == Rating.UP)
    positives.update(dict.fromkeys(pid for pid in saved if pid not in down))
    return _Profile(
        list(positives)[:limit],
        [pid for pid, value in ratings if value == Rating.DOWN],
        features.parse_keywords(collection.keywords),
        len(ratings),
        len(saved),
    )


def _semantic_on() -> bool:
    from coolpapers.semantic import services

    return services.mode(count=False).semantic


def _semantic_key() -> str:
    from coolpapers.semantic.encoder import model_key

    return model_key() if _semantic_on() else ""


def _vectors(ids: Sequence[str]) -> dict[str, np.ndarray]:
    from coolpapers.semantic import store as semantic_store

    return semantic_store.vectors_for(ids)


def _examples(
    model: CorpusModel, ids: Sequence[str], vectors: dict[str, np.ndarray] | None
) -> tuple[learn.Examples, list[str]]:
    found, rows = features.rows_of(model, ids)
    kept = [ids[i] for i in found]
    dense = features.embeddings(kept, vectors) if vectors else None
    return learn.Examples(features.unit_bm25(model, rows), dense), kept


def _random_rows(model: CorpusModel, exclude: set[str], n: int, seed: int) -> list[str]:
    """n random papers of the corpus, the same for the same profile and corpus."""
    alive = np.flatnonzero(model.alive)
    # A small corpus lends a tenth of its papers at most: they are "probably not liked" only
    # while they are few of the papers.
    n = min(n, len(alive) // 10)
    if n <= 0:
        return []
    rng = np.random.default_rng(seed)
    picked = rng.choice(alive, size=min(len(alive), n + len(exclude)), replace=False)
    ids = [model.paper_ids[row] for row in picked.tolist()]
    return [pid for pid in ids if pid not in exclude][:n]


def fit_profile(
    model: CorpusModel, data: _Profile, seed: int, semantic: bool, classifier: bool = True
) -> tuple[learn.Linear, int]:
    """The profile's weights (and how many random negatives they used)."""
    ids = data.positives + data.negatives
    randoms: list[str] = []
    if classifier and data.positives and len(data.negatives) < learn.MIN_NEGATIVES:
        randoms = _random_rows(model, set(ids), learn.RANDOM_NEGATIVES, seed)
    vectors = _vectors(ids + randoms) if semantic else None
    positives, _ = _examples(model, data.positives, vectors)
    negatives, _ = _examples(model, data.negatives, vectors)
    random_examples, _ = _examples(model, randoms, vectors)
    query = features.keyword_query(model, data.keywords) if data.keywords else None
    # Without the classifier (the cold start), 👎 only count when nothing else does.
    if not classifier and (len(positives) or query is not None):
        negatives = learn.Examples(negatives.rows[:0])
    return learn.fit(positives, negatives, random_examples, query), len(random_examples)


# --- training ---------------------------------------------------------------------------------


def train(collection_id: int, requested_at: float | None = None) -> TrainResult:
    """Fit and store the profile's model now. With `requested_at` (a Unix time), nothing is
    done when a training that read the profile after that time has already run."""
    started = time.perf_counter()
    read_at = timezone.now()
    if requested_at is not None:
        done = ProfileModel.objects.filter(
            collection_id=collection_id,
            read_at__gte=datetime.fromtimestamp(requested_at, tz=UTC),
        ).exists()
        if done:
            return TrainResult(collection_id, False, "covered by a newer training")
    collection = Collection.objects.filter(pk=collection_id).first()
    if collection is None:
        return TrainResult(collection_id, False, "no such profile")
    model = store.current_model()
    if model is None:
        from coolpapers.related import services

        model = services.model()
        if model is None:
            return TrainResult(collection_id, False, "no corpus model")
    data = _profile_data(collection)
    semantic = _semantic_on()
    seed = collection_id * 1_000_003 + len(data.positives)
    linear, n_random = fit_profile(model, data, seed, semantic)
    indices, values, dense = linear.to_bytes()
    seconds = time.perf_counter() - started
    semantic_model = ""
    if semantic and len(linear.dense):
        from coolpapers.semantic.encoder import model_key

        semantic_model = model_key()
    now = timezone.now()
    ProfileModel.objects.update_or_create(
        collection=collection,
        defaults={
            "corpus_version": model.version,
            "semantic_model": semantic_model,
            "indices": indices,
            "values": values,
            "dense": dense if semantic_model else b"",
            "intercept": linear.intercept,
            "positives": len(data.positives),
            "negatives": len(data.negatives),
            "random_negatives": n_random,
            "ratings": data.ratings,
            "saved": data.saved,
            "keywords": collection.keywords,
            "read_at": read_at,
            "trained_at": now,
            "train_seconds": seconds,
        },
    )
    return TrainResult(
        collection_id,
        True,
        positives=len(data.positives),
        negatives=len(data.negatives),
        random_negatives=n_random,
        seconds=seconds,
    )


_sent = threading.local()
COALESCE_SECONDS = 2.0


def _first_in_burst(collection_id: int) -> bool:
    """False when this process already acted for this profile in the last COALESCE_SECONDS:
    a cascade deleting a thousand ratings commits a thousand callbacks, one is enough."""
    recent = getattr(_sent, "at", None)
    if recent is None:
        recent = _sent.at = {}
    now = time.monotonic()
    if now - recent.get(collection_id, -1e9) < COALESCE_SECONDS:
        return False
    if len(recent) > 1000:
        recent.clear()
    recent[collection_id] = now
    return True


def request_training(collection_id: int) -> None:
    """Train the profile after the current transaction commits (RANKING_TRAINING decides how).

    Bursts coalesce: once per transaction; in this process, one task per COALESCE_SECONDS;
    across processes, the task runs a second later and skips itself when a training that
    read the profile after the request (its commit) already ran."""
    mode = getattr(settings, "RANKING_TRAINING", "celery")
    if mode == "off":
        return
    connection = transaction.get_connection()
    for item in connection.run_on_commit:  # (savepoints, callback, robust)
        pending = item[1]
        if getattr(pending, "ranking_profile", None) == collection_id and not pending.ran:
            return  # this transaction trains the profile once, after its last change

    def run() -> None:
        run.ran = True  # type: ignore[attr-defined]
        # Stamped after the commit: a training that read the profile before the change was
        # visible must not count as covering it.
        requested_at = time.time()
        if mode == "sync":
            train(collection_id, requested_at)
            return
        if not _first_in_burst(collection_id):
            return
        from coolpapers.ranking.tasks import train_profile

        try:
            train_profile.apply_async(args=[collection_id, requested_at], countdown=1)
        except Exception as error:  # a broker outage must not fail the reader's click
            logger.warning("ranking: training of profile %s not sent: %s", collection_id, error)

    run.ranking_profile = collection_id  # type: ignore[attr-defined]
    run.ran = False  # type: ignore[attr-defined]
    transaction.on_commit(run)


def _request_once(collection_id: int) -> None:
    """request_training, at most once per REQUEST_THROTTLE seconds per profile."""
    if cache.add(f"ranking:requested:{collection_id}", 1, REQUEST_THROTTLE):
        request_training(collection_id)


# --- ranking ----------------------------------------------------------------------------------

_weights: OrderedDict[tuple, np.ndarray] = OrderedDict()
_WEIGHTS_KEPT = 16


_weights_lock = threading.Lock()


def _weight_vector(key: tuple, linear: learn.Linear, n_terms: int) -> np.ndarray:
    """The weights as a dense vector over the terms, kept for the last few profiles."""
    with _weights_lock:
        w = _weights.get(key)
        if w is not None:
            _weights.move_to_end(key)
            return w
    w = linear.vector(n_terms)
    with _weights_lock:
        _weights[key] = w
        while len(_weights) > _WEIGHTS_KEPT:
            _weights.popitem(last=False)
    return w


def _stored(collection: Collection, model: CorpusModel) -> tuple[ProfileModel | None, bool]:
    """The profile's stored model if fit on this corpus (else None), and whether a training
    is due (none yet, another corpus, or the profile changed since)."""
    stored = ProfileModel.objects.filter(collection=collection).first()
    if stored is None:
        return None, True
    if stored.corpus_version != model.version:
        return None, True
    ratings = Rating.objects.filter(collection=collection).count()
    saved = SavedPaper.objects.filter(collection=collection).count()
    changed = (
        ratings != stored.ratings or saved != stored.saved or collection.keywords != stored.keywords
    )
    return stored, changed


def ranking_state(collection: Collection) -> tuple | None:
    """A token that changes whenever rank() may order the same ids differently, for callers
    that cache a ranking (coolpapers.interests.foryou): the corpus model (version, rows), the
    stored model (trained_at), the embedding model it uses, and the profile's ratings, saved
    papers and keywords. None while a training is due (no model yet, another corpus, or the
    profile changed since): the order changes when it lands, and rank() keeps asking for it,
    so such a ranking is not to be cached. Three small queries, no weights read."""
    model = store.current_model()
    if model is None:
        return ("no corpus model",)
    stored = (
        ProfileModel.objects.filter(collection=collection)
        .values_list(
            "trained_at", "corpus_version", "semantic_model", "ratings", "saved", "keywords"
        )
        .first()
    )
    if stored is None or stored[1] != model.version:
        return None
    ratings = Rating.objects.filter(collection=collection).aggregate(
        n=Count("pk"), at=Max("rated_at")
    )
    saved = SavedPaper.objects.filter(collection=collection).aggregate(
        n=Count("pk"), at=Max("added_at")
    )
    if (ratings["n"], saved["n"], collection.keywords) != stored[3:]:
        return None
    return (
        model.version,
        len(model.paper_ids),
        stored[0],
        _semantic_key() if stored[2] else "",
        ratings["n"],
        ratings["at"],
        saved["n"],
        saved["at"],
        collection.keywords,
    )


def rank(collection: Collection, paper_ids: Sequence[str], explain: int = 0) -> list[Scored]:
    """`paper_ids` in the profile's order, best first; the `explain` best with their why."""
    ids = list(dict.fromkeys(paper_ids))
    model = store.current_model()
    if model is None or not ids:
        return [Scored(pid, 0.0) for pid in ids]
    stored, due = _stored(collection, model)
    data: _Profile | None = None
    if stored is not None:
        linear = learn.Linear.from_bytes(
            stored.indices, stored.values, stored.dense, stored.intercept
        )
        key = (collection.pk, stored.trained_at, model.version, len(model.terms))
        semantic_model = stored.semantic_model
    else:
        data = _profile_data(collection, EXPLAIN_PAPERS)
        if not (data.positives or data.negatives or data.keywords):
            return [Scored(pid, 0.0) for pid in ids]
        linear, _ = fit_profile(model, data, 0, semantic=False, classifier=False)
        key = (collection.pk, "cold", model.version, len(model.terms), time.monotonic())
        semantic_model = ""
    if due and (data is None or data.positives or data.negatives or data.keywords):
        _request_once(collection.pk)
    vectors = None
    if semantic_model and len(linear.dense) and _semantic_key() == semantic_model:
        vectors = _vectors(ids)
    profile_ids: Sequence[str] = ()
    if explain > 0:
        profile_ids = (data or _profile_data(collection, EXPLAIN_PAPERS)).positives
    return order(model, linear, key, ids, explain, profile_ids, vectors)


def order(
    model: CorpusModel,
    linear: learn.Linear,
    key: tuple,
    ids: Sequence[str],
    explain: int = 0,
    profile_ids: Sequence[str] = (),
    vectors: dict[str, np.ndarray] | None = None,
) -> list[Scored]:
    """`ids` (distinct) by the weights, best first, papers without a row last; the `explain`
    best with the `profile_ids` papers closest to them and their weightiest words. `key`
    names the weights for this process's cache of their dense vectors."""
    w = _weight_vector(key, linear, len(model.terms))
    found, rows = features.rows_of(model, ids)
    x = features.unit_bm25(model, rows)
    dense = features.embeddings([ids[i] for i in found], vectors) if vectors else None
    known_scores = learn.scores(linear, x, dense, w)
    ranked = np.argsort(-known_scores, kind="stable")
    floor = float(known_scores.min()) if len(known_scores) else 0.0
    explained: dict[int, Why] = {}
    if explain > 0 and len(ranked):
        chosen = ranked[:explain]
        chosen_ids = [ids[found[i]] for i in chosen.tolist()]
        explained = _explain(model, x, chosen, chosen_ids, w, profile_ids)
    out = [
        Scored(ids[found[i]], float(known_scores[i]), explained.get(int(i)))
        for i in ranked.tolist()
    ]
    known = set(found)
    out.extend(Scored(pid, floor) for i, pid in enumerate(ids) if i not in known)
    return out


def _explain(
    model: CorpusModel,
    x: sp.csr_matrix,
    chosen: np.ndarray,
    chosen_ids: list[str],
    w: np.ndarray,
    positives: Sequence[str],
) -> dict[int, Why]:
    found, rows = features.rows_of(model, positives)
    profile_ids = [positives[i] for i in found]
    profile_rows = features.unit_bm25(model, rows)
    readable = features.readable_columns(model)
    chosen_rows = x[chosen]
    nearest = learn.closest(chosen_rows, profile_rows, profile_ids, WHY_PAPERS + 1)
    out = {}
    for n, (i, arxiv_id) in enumerate(zip(chosen.tolist(), chosen_ids, strict=True)):
        top = learn.top_contributions(chosen_rows[n], w, readable, WHY_WORDS)
        words = features.words_of(model, [c for c, _ in top], WHY_WORDS)
        papers = [p for p in nearest[n] if p != arxiv_id][:WHY_PAPERS]
        out[i] = Why(papers=papers, words=words)
    return out
