"""Profiles ranked by their models: cold start, training on 👍/👎 and saved papers, why,
training after each change, coalescing, and a corpus rebuilt under a stored model.

Real records (the daily-arXiv sample, ingested), a real corpus model on disk, SQLite."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model

from coolpapers.library.models import Collection, Rating, SavedPaper
from coolpapers.papers.models import Paper
from coolpapers.ranking import profiles
from coolpapers.ranking.models import ProfileModel
from coolpapers.ranking.tasks import train_profile
from coolpapers.related import services, store

pytestmark = pytest.mark.django_db

# "Gaussian splatting" in the title or abstract; "diffusion" three times or more.
SPLATTING = {"2503.11731", "2503.11979", "2503.11981", "2503.12001", "2503.11692"}
DIFFUSION = [
    "2503.11905",
    "2503.12015",
    "2503.12049",
    "2503.11937",
    "2503.18414",
    "2503.11930",
    "2503.11999",
]
OTHERS = ["2506.13677", "2604.21954", "2503.20846", "2506.04230"]  # physics, privacy, ...


@pytest.fixture
def corpus(papers, settings, tmp_path) -> list[str]:
    """The sample's corpus model, built into a temporary directory; every paper's id."""
    settings.RELATED_MODEL_DIR = str(tmp_path / "related")
    settings.RANKING_TRAINING = "off"
    services.build_model()
    profiles._weights.clear()
    return list(Paper.objects.order_by("pk").values_list("pk", flat=True))


@pytest.fixture
def profile(db) -> Collection:
    user = get_user_model().objects.create_user("reader", "reader@example.org", "pw-12345678")
    return Collection.objects.create(owner=user, name="Vision")


def rate(profile: Collection, ids, value: int) -> None:
    for pid in ids:
        Rating.objects.update_or_create(collection=profile, paper_id=pid, defaults={"value": value})


def order(profile: Collection, ids) -> list[str]:
    return [s.arxiv_id for s in profiles.rank(profile, ids)]


def test_no_model_no_profile_data_keeps_the_given_order(corpus, profile):
    ids = list(reversed(corpus))
    assert order(profile, ids) == ids
    assert not ProfileModel.objects.exists()


def test_no_corpus_model_keeps_the_given_order(papers, profile, settings, tmp_path):
    settings.RELATED_MODEL_DIR = str(tmp_path / "none")
    assert order(profile, ["2503.11905", "2503.11731"]) == ["2503.11905", "2503.11731"]


def test_cold_start_from_keywords(corpus, profile):
    profile.keywords = "Gaussian splatting"
    profile.save()
    ranked = profiles.rank(profile, corpus, explain=3)
    assert {s.arxiv_id for s in ranked[:4]} <= SPLATTING
    assert ranked[0].why is not None
    assert {"gaussian splatting", "splatting", "gaussian"} & set(ranked[0].why.words)


def test_cold_start_from_saved_papers_without_a_trained_model(corpus, profile):
    for pid in DIFFUSION[:2]:
        SavedPaper.objects.create(collection=profile, paper_id=pid)
    ranked = order(profile, corpus)
    assert ranked[:2] == DIFFUSION[:2] or set(ranked[:2]) == set(DIFFUSION[:2])
    assert set(DIFFUSION[2:]) & set(ranked[2:8])


def test_training_learns_from_ratings_and_explains(corpus, profile):
    rate(profile, DIFFUSION[:3], Rating.UP)
    rate(profile, OTHERS, Rating.DOWN)
    result = profiles.train(profile.pk)
    assert result.trained and result.positives == 3 and result.negatives == 4
    assert result.random_negatives > 0  # few 👎: random papers of the corpus join them
    stored = ProfileModel.objects.get(collection=profile)
    assert stored.corpus_version == store.current_version()
    assert stored.ratings == 7 and stored.train_seconds < 1
    candidates = [pid for pid in corpus if pid not in DIFFUSION[:3]]
    ranked = profiles.rank(profile, candidates, explain=5)
    top = [s.arxiv_id for s in ranked[:6]]
    assert len(set(DIFFUSION[3:]) & set(top)) >= 2
    assert set(OTHERS) & {s.arxiv_id for s in ranked[-15:]}
    why = next(s.why for s in ranked if s.arxiv_id in DIFFUSION[3:])
    assert why.papers and set(why.papers) <= set(DIFFUSION[:3])
    assert "diffusion" in " ".join(why.words)
    assert not any(w.startswith(("@", "#")) for s in ranked[:5] for w in s.why.words)
    assert all(s.why is None for s in ranked[5:])
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True)


def test_unknown_ids_go_last_and_duplicates_once(corpus, profile, monkeypatch):
    # On this 66-paper corpus a random negative is often one of the two ranked papers (1 in
    # 10 draws), and its draw is seeded by the profile's id, which on PostgreSQL changes with
    # the order tests run in: keep them out of the draw, as a 133k corpus nearly always does.
    draw = profiles._random_rows
    ranked_ids = {DIFFUSION[2], "2503.11677"}
    monkeypatch.setattr(
        profiles,
        "_random_rows",
        lambda model, exclude, n, seed: draw(model, exclude | ranked_ids, n, seed),
    )
    rate(profile, [pid for pid in DIFFUSION if pid != DIFFUSION[2]], Rating.UP)
    profiles.train(profile.pk)
    ranked = order(profile, ["9999.99999", DIFFUSION[2], "2503.11677", DIFFUSION[2]])
    assert ranked[-1] == "9999.99999"
    assert ranked[0] == DIFFUSION[2]
    assert len(ranked) == 3


def test_ranking_changes_with_each_rating(
    corpus, profile, settings, django_capture_on_commit_callbacks
):
    settings.RANKING_TRAINING = "sync"
    with django_capture_on_commit_callbacks(execute=True):
        Rating.objects.create(collection=profile, paper_id=DIFFUSION[0], value=Rating.UP)
    first = ProfileModel.objects.get(collection=profile)
    before = order(profile, corpus)
    with django_capture_on_commit_callbacks(execute=True):
        Rating.objects.create(collection=profile, paper_id="2503.11731", value=Rating.UP)
    second = ProfileModel.objects.get(collection=profile)
    assert second.trained_at > first.trained_at and second.positives == 2
    after = order(profile, corpus)
    assert after != before
    assert after.index("2503.12001") < before.index("2503.12001")  # splatting rose
    with django_capture_on_commit_callbacks(execute=True):
        Rating.objects.filter(collection=profile, paper_id="2503.11731").delete()
    assert ProfileModel.objects.get(collection=profile).positives == 1


def test_saving_and_keywords_change_request_training(
    corpus, profile, settings, django_capture_on_commit_callbacks
):
    settings.RANKING_TRAINING = "sync"
    with django_capture_on_commit_callbacks(execute=True):
        SavedPaper.objects.create(collection=profile, paper_id=DIFFUSION[0])
    assert ProfileModel.objects.get(collection=profile).saved == 1
    with django_capture_on_commit_callbacks(execute=True):
        profile.keywords = "gaussian splatting"
        profile.save()
    assert ProfileModel.objects.get(collection=profile).keywords == "gaussian splatting"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        profile.name = "Renamed"
        profile.save()
    assert not callbacks  # same keywords: nothing to learn


def test_a_burst_trains_once(corpus, profile, settings, django_capture_on_commit_callbacks):
    requested = time.time()
    rate(profile, DIFFUSION[:2], Rating.UP)
    assert train_profile.apply(args=[profile.pk, requested]).get() is True
    trained_at = ProfileModel.objects.get(collection=profile).trained_at
    # A second task of the same burst (requested before that training read the profile).
    assert train_profile.apply(args=[profile.pk, requested]).get() is False
    assert ProfileModel.objects.get(collection=profile).trained_at == trained_at
    assert profiles.train(profile.pk + 1000).reason == "no such profile"


def test_celery_mode_sends_one_task_per_burst(
    corpus, profile, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.RANKING_TRAINING = "celery"
    sent = []
    monkeypatch.setattr(train_profile, "apply_async", lambda **kw: sent.append(kw))
    profiles._sent.at = {}
    with django_capture_on_commit_callbacks(execute=True):
        rate(profile, DIFFUSION[:4], Rating.UP)
    assert len(sent) == 1
    assert sent[0]["args"][0] == profile.pk and sent[0]["countdown"] == 1


def test_a_rebuilt_corpus_falls_back_to_the_cold_start_and_asks_for_training(
    corpus, profile, settings, django_capture_on_commit_callbacks
):
    rate(profile, DIFFUSION[:2], Rating.UP)
    profiles.train(profile.pk)
    ProfileModel.objects.filter(collection=profile).update(corpus_version="older")
    settings.RANKING_TRAINING = "sync"
    from django.core.cache import cache

    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ranked = order(profile, corpus)
    assert set(DIFFUSION[2:]) & set(ranked[:8])  # by the liked papers, on the new corpus
    assert ProfileModel.objects.get(collection=profile).corpus_version == store.current_version()


def test_speed_targets_on_the_demo_corpus(settings, tmp_path):
    """1,000 ratings train in under a second; 2,000 papers rank in under 50 ms (the corpus
    model of the 2,722 demo papers; the benchmark measures the big corpus)."""
    import gzip
    import json

    from coolpapers.related.corpus import CorpusModel, PaperText
    from tests.related.conftest import DEMO

    with gzip.open(DEMO, "rt", encoding="utf-8") as stream:
        papers = [
            PaperText(r["id"], r["title"], r["abstract"], r["authors"], r.get("comment") or "")
            for r in map(json.loads, stream)
        ]
    model = CorpusModel.build(papers)
    ids = model.paper_ids
    data = profiles._Profile(ids[:500], ids[500:1000], ["graph"], 1000, 0)
    timings = []
    for _ in range(3):  # the best of three: other work shares the two cores
        started = time.perf_counter()
        linear, _ = profiles.fit_profile(model, data, 1, semantic=False)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 1.0
    day = ids[:2000]
    profiles.order(model, linear, ("warm", 0), day)  # first call: imports, caches
    timings = []
    for attempt in range(3):
        started = time.perf_counter()
        key = ("speed", attempt)  # a new weight vector each time, as for a new profile
        ranked = profiles.order(model, linear, key, day, explain=25, profile_ids=ids[:500])
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.05
    assert len(ranked) == 2000 and ranked[0].why is not None


def test_a_transaction_trains_once_after_its_commit(
    corpus, profile, settings, django_capture_on_commit_callbacks
):
    from django.db import transaction

    settings.RANKING_TRAINING = "sync"
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        rate(profile, DIFFUSION[:3], Rating.UP)
        SavedPaper.objects.create(collection=profile, paper_id=DIFFUSION[3])
    assert len(callbacks) == 1
    stored = ProfileModel.objects.get(collection=profile)
    assert stored.positives == 4 and stored.ratings == 3 and stored.saved == 1
