"""coolpapers.interests.foryou over the real sample papers and their BM25 model: the current
profile kept in the session, ratings, read and seen marks, visits and catch-up days, and a
ranking that follows the reader's 👍."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from coolpapers.interests import foryou
from coolpapers.library.models import Collection, Rating, SeenMark
from coolpapers.ranking.profiles import train
from tests.personal.foryou_support import *  # noqa: F403 (its fixtures)
from tests.personal.foryou_support import day_ids

BUSY = date(2025, 3, 18)  # 50 papers (new and cross-lists) in the sample


@pytest.mark.parametrize(
    ("text", "value"),
    [("up", 1), ("1", 1), (1, 1), ("down", -1), (-1, -1), ("none", None), ("", None)],
)
def test_ratings_are_read_from_words_and_numbers(text, value):
    assert foryou.parse_rating(text) == value


@pytest.mark.parametrize("text", ["2", "yes", "👍", "up down"])
def test_anything_else_is_no_rating(text):
    with pytest.raises(foryou.BadRating):
        foryou.parse_rating(text)


def test_current_profile_defaults_to_the_first_and_is_remembered(reader, profile):
    second = Collection.objects.create(owner=reader, name="Robots")
    session: dict = {}
    assert foryou.current_profile(reader, session) == profile
    assert foryou.current_profile(reader, session, second.pk) == second
    assert foryou.current_profile(reader, session) == second
    second.is_profile = False
    second.save()
    assert foryou.current_profile(reader, session) == profile


def test_another_readers_profile_is_no_such_profile(reader, profile):
    other = get_user_model().objects.create_user("other", "o@example.org", "x" * 20)
    theirs = Collection.objects.create(owner=other, name="Theirs")
    with pytest.raises(foryou.NoSuchProfile):
        foryou.current_profile(reader, {}, theirs.pk)


def test_a_reader_with_no_collection_gets_the_default_one(reader):
    assert [c.name for c in foryou.profiles_of(reader)] == ["Reading list"]


def test_a_rating_is_set_changed_and_removed(papers, profile):
    paper = day_ids(BUSY)[0]
    foryou.set_rating(profile, paper, 1)
    foryou.set_rating(profile, paper, -1)
    assert foryou.ratings_of(profile) == {paper: -1}
    foryou.set_rating(profile, paper, None)
    assert not Rating.objects.exists()


def test_read_and_seen_marks(papers, reader):
    ids = day_ids(BUSY)[:3]
    foryou.set_read(reader, ids[0], True)
    foryou.set_read(reader, ids[0], True)
    assert foryou.read_ids(reader, ids) == {ids[0]}
    foryou.record_seen(reader, ids[1:])
    foryou.record_seen(reader, ids[1:])  # again: still once
    assert SeenMark.objects.count() == 2
    assert foryou.seen_before(reader, ids, None) == set(ids[1:])
    assert foryou.seen_before(reader, ids, timezone.now() - timedelta(minutes=1)) == set()
    foryou.set_read(reader, ids[0], False)
    assert foryou.read_ids(reader, ids) == set()


def test_a_visit_lasts_while_views_are_close_and_remembers_the_last_one(profile):
    before = timezone.now() - timedelta(days=3)
    profile.visited_at = before
    profile.save()
    session: dict = {}
    first = foryou.visit(profile, session)
    assert first.since == before
    again = foryou.visit(profile, session)
    assert again == first  # the same visit
    profile.refresh_from_db()
    assert profile.visited_at >= first.start
    # An hour later: a new visit, counted from the previous one.
    visits = session[foryou.SESSION_VISITS]
    visits[str(profile.pk)]["last"] = (timezone.now() - foryou.VISIT_GAP).isoformat()
    later = foryou.visit(profile, session)
    assert later.start > first.start and later.since is not None and later.since > before


def test_catch_up_days_are_the_announcement_days_after_the_last_visit(papers):
    assert foryou.days_after(date(2025, 6, 1)) == [
        date(2025, 6, 6),
        date(2025, 6, 17),
        date(2025, 11, 5),
        date(2026, 4, 27),
    ]
    assert len(foryou.days_after(date(2000, 1, 1))) == foryou.MAX_CATCH_UP_DAYS
    assert foryou.days_after(date(2030, 1, 1)) == []
    assert foryou.latest_day() == date(2026, 4, 27)
    ids = foryou.days_candidates([BUSY, date(2025, 3, 25)])
    assert len(ids) == 54 and len(set(ids)) == 54


def test_the_ranking_follows_the_readers_thumbs_up(related, profile, sync_training):
    ids = foryou.day_candidates(BUSY)
    assert len(ids) == 50
    # Nothing to learn from: the papers' own order.
    assert foryou.ranked_ids(profile, ids) == ids
    liked = ids[17]
    foryou.set_rating(profile, liked, 1)
    ranked = foryou.todays_ranking(profile, BUSY, limit=5, explain=5)
    assert ranked[0].arxiv_id == liked
    top = ranked[1]
    assert top.why is not None and liked in top.why.papers and top.why.words
    # The why of a window alone matches the whole ranking's order.
    window = foryou.explained(profile, [s.arxiv_id for s in ranked[:3]])
    assert set(window) == {s.arxiv_id for s in ranked[:3]}


def test_a_days_ranking_is_cached_until_a_rating_or_training_changes_it(
    related, profile, own_cache, monkeypatch
):
    ids = foryou.day_candidates(BUSY)
    foryou.set_rating(profile, ids[17], 1)
    train(profile.pk)  # what the Celery task does after the rating's commit
    calls = []
    real_rank = foryou.rank
    monkeypatch.setattr(foryou, "rank", lambda *a, **k: calls.append(a) or real_rank(*a, **k))
    first = foryou.ranked_ids(profile, ids)
    assert first[0] == ids[17]
    assert foryou.ranked_ids(profile, ids) == first and len(calls) == 1  # chunks don't re-rank
    foryou.ranked_ids(profile, ids[:10])
    assert len(calls) == 2  # other papers, another key
    foryou.set_rating(profile, ids[17], -1)  # a new rating, and its training
    train(profile.pk)
    after = foryou.ranked_ids(profile, ids)
    assert len(calls) == 3 and after[0] != ids[17] and after.index(ids[17]) > 25
    assert foryou.ranked_ids(profile, ids) == after and len(calls) == 3
    # A rating whose training has not run yet: ranked by the older model each time, rank()
    # asking for the training, nothing cached until the model is up to date.
    foryou.set_rating(profile, ids[30], 1)
    foryou.ranked_ids(profile, ids)
    foryou.ranked_ids(profile, ids)
    assert len(calls) == 5
    train(profile.pk)
    assert foryou.ranked_ids(profile, ids)[0] == ids[30] and len(calls) == 6
    foryou.ranked_ids(profile, ids)
    assert len(calls) == 6


def test_the_why_of_a_page_is_cached_until_a_rating_changes_it(
    related, profile, own_cache, monkeypatch
):
    ids = foryou.day_candidates(BUSY)
    foryou.set_rating(profile, ids[3], 1)
    train(profile.pk)
    window = foryou.ranked_ids(profile, ids)[:5]
    calls = []
    real_rank = foryou.rank
    monkeypatch.setattr(foryou, "rank", lambda *a, **k: calls.append(a) or real_rank(*a, **k))
    first = foryou.explained(profile, window)
    assert foryou.explained(profile, window) == first and len(calls) == 1
    assert ids[3] in first[window[1]].why.papers
    foryou.set_rating(profile, ids[9], 1)
    train(profile.pk)
    again = foryou.explained(profile, window)
    assert len(calls) == 2 and set(again) == set(window)
    assert foryou.explained(profile, window) == again and len(calls) == 2
