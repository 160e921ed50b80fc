"""The For you pages and the 👍/👎 and read controls, through Django's test client over the
real sample papers: ranking, why, marks, catch-up, the For you sort, and bad input."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from coolpapers.interests import foryou
from coolpapers.library.models import Collection, Rating, ReadMark, SeenMark
from tests.personal.foryou_support import *  # noqa: F403 (its fixtures)
from tests.personal.foryou_support import day_ids

BUSY = "2025-03-18"  # 50 papers: two pages


def cards(html: str) -> list[str]:
    return re.findall(r'<article class="paper[^"]*" id="([^"]+)"', html)


def test_for_you_asks_anonymous_readers_to_sign_in(client, db):
    response = client.get("/for-you")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_a_new_profile_explains_how_to_start_and_lists_the_day(related, signed_in, profile):
    response = signed_in.get("/for-you", {"date": BUSY})
    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing to learn from yet" in html
    assert reverse("library:collections") in html
    assert cards(html) == day_ids(date(2025, 3, 18))[:25]
    assert "Load more papers" in html
    assert (
        response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    )


def test_each_rating_changes_the_ranking_and_cards_say_why(
    related, signed_in, profile, sync_training
):
    ids = day_ids(date(2025, 3, 18))
    liked = ids[30]
    response = signed_in.post(
        f"/for-you/rate/{liked}", {"value": "up", "next": f"/for-you?date={BUSY}"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/for-you?date={BUSY}#{liked}"
    html = signed_in.get("/for-you", {"date": BUSY}).content.decode()
    shown = cards(html)
    assert shown != ids[:25] and liked in shown[:3] and "nothing to learn from yet" not in html
    assert "Close to" in html and "Words that weighed most" in html
    # The liked paper's control is pressed, and pressing it again clears the rating.
    form = html[html.index(f'action="/for-you/rate/{liked}"') :][:2000]
    assert 'value="none" aria-pressed="true"' in form
    signed_in.post(f"/for-you/rate/{liked}", {"value": "none"})
    assert not Rating.objects.exists()
    # 👍 one, 👎 another: the 👎 one leaves the first page.
    signed_in.post(f"/for-you/rate/{ids[0]}", {"value": "up"})
    signed_in.post(f"/for-you/rate/{ids[1]}", {"value": "down"})
    chunk = signed_in.get(f"/for-you/{profile.pk}/chunk", {"date": BUSY, "page": 2})
    assert chunk.status_code == 200
    assert ids[1] in cards(chunk.content.decode())


def test_the_rating_control_answers_json_to_scripts(papers, signed_in, profile):
    paper = day_ids(date(2025, 3, 18))[0]
    response = signed_in.post(
        f"/for-you/rate/{paper}", {"value": "down"}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {
        "paper": paper,
        "profile": profile.pk,
        "profile_name": profile.name,
        "value": -1,
    }
    assert Rating.objects.get().value == -1


@pytest.mark.parametrize(
    ("path", "data", "status", "says"),
    [
        ("/for-you/rate/2503.11677", {"value": "sideways"}, 400, "not up, down or none"),
        ("/for-you/rate/not-an-id", {"value": "up"}, 400, "Not an arXiv id"),
        ("/for-you/rate/2101.99999", {"value": "up"}, 404, "not in our database"),
        ("/for-you/rate/2503.11677", {"value": "up", "profile": "x"}, 400, "not a profile id"),
        ("/for-you/read/2503.11677", {"read": "2"}, 400, "read must be 1"),
    ],
)
def test_bad_control_input_is_a_precise_error_and_changes_nothing(
    papers, signed_in, profile, path, data, status, says
):
    response = signed_in.post(path, data, HTTP_ACCEPT="application/json")
    assert response.status_code == status
    assert says in response.json()["detail"]
    page = signed_in.post(path, data)
    assert page.status_code == status and says in page.content.decode()
    assert not Rating.objects.exists() and not ReadMark.objects.exists()


def test_another_readers_profile_is_not_found(papers, signed_in, profile):
    other = get_user_model().objects.create_user("other", "o@example.org", "x" * 20)
    theirs = Collection.objects.create(owner=other, name="Theirs")
    assert signed_in.get(f"/for-you/{theirs.pk}").status_code == 404
    response = signed_in.post(
        "/for-you/rate/2503.11677",
        {"value": "up", "profile": theirs.pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 404 and not Rating.objects.exists()


@pytest.mark.parametrize(
    ("query", "says"),
    [({"date": "2025-13-01"}, "is not a date"), ({"page": "0"}, "is not a page number")],
)
def test_bad_page_parameters_are_a_400_that_says_why(papers, signed_in, profile, query, says):
    response = signed_in.get("/for-you", query)
    assert response.status_code == 400 and says in response.content.decode()


def test_no_papers_that_day_is_an_empty_state(papers, signed_in, profile):
    html = signed_in.get("/for-you", {"date": "2024-01-01"}).content.decode()
    assert "No papers were announced on 2024-01-01." in html


def test_read_papers_and_papers_seen_on_an_earlier_visit_are_dimmed(papers, signed_in, profile):
    ids = day_ids(date(2025, 3, 18))
    signed_in.get("/for-you", {"date": BUSY})
    assert SeenMark.objects.count() == 25  # the first page
    response = signed_in.post(f"/for-you/read/{ids[2]}", {"read": "1"})
    assert response.status_code == 302 and ReadMark.objects.filter(paper_id=ids[2]).exists()
    html = signed_in.get("/for-you", {"date": BUSY}).content.decode()
    # The same visit: seen marks of this visit dim nothing; the read paper is dimmed.
    assert html.count("foryou-item is-read") == 1 and "is-seen" not in html
    # The next visit (an hour later): the papers seen before are dimmed.
    session = signed_in.session
    visits = session[foryou.SESSION_VISITS]
    visits[str(profile.pk)]["last"] = (timezone.now() - timedelta(hours=2)).isoformat()
    visits[str(profile.pk)]["start"] = (timezone.now() - timedelta(hours=2)).isoformat()
    session[foryou.SESSION_VISITS] = visits
    session.save()
    SeenMark.objects.update(seen_at=timezone.now() - timedelta(hours=2))
    html = signed_in.get("/for-you", {"date": BUSY}).content.decode()
    assert html.count("foryou-item is-seen") == 24 and html.count("foryou-item is-read") == 1


def test_catch_up_merges_the_days_since_the_last_visit(papers, signed_in, profile):
    Collection.objects.filter(pk=profile.pk).update(
        visited_at=timezone.make_aware(timezone.datetime(2025, 6, 1, 12))
    )
    html = signed_in.get("/for-you").content.decode()
    assert "4 announcement days since your last visit" in html
    url = f"/for-you/{profile.pk}/catch-up?since=2025-06-01"
    assert url.replace("?", "?").split("?")[1] in html
    catch_up = signed_in.get(url).content.decode()
    assert "8 papers announced from 2025-06-06 to 2026-04-27" in catch_up
    assert len(cards(catch_up)) == 8
    assert catch_up.count('class="badge foryou-day"') == 8
    # Nothing since: says so.
    empty = signed_in.get(f"/for-you/{profile.pk}/catch-up?since=2030-01-01").content.decode()
    assert "No papers were announced since your last visit." in empty


def test_no_profile_at_all_points_to_the_library(papers, signed_in, profile):
    Collection.objects.filter(pk=profile.pk).update(is_profile=False)
    html = signed_in.get("/for-you").content.decode()
    assert "None of your collections is an interest profile" in html


def test_cards_everywhere_carry_the_controls_for_signed_in_readers_only(
    papers, client, signed_in, profile
):
    paper = day_ids(date(2025, 3, 18))[0]
    foryou.set_rating(profile, paper, 1)
    page = signed_in.get(f"/arxiv/{paper}").content.decode()
    assert f'action="/for-you/rate/{paper}"' in page and 'aria-pressed="true"' in page
    listing = signed_in.get("/arxiv/cs.CV", {"date": BUSY}).content.decode()
    assert listing.count('class="rate-form"') == 25
    assert "sort=foryou" in listing
    client.logout()
    anonymous = client.get("/arxiv/cs.CV", {"date": BUSY}).content.decode()
    assert "rate-form" not in anonymous and "sort=foryou" not in anonymous
    assert "feed.js" not in anonymous


def test_the_for_you_sort_of_a_daily_list(related, client, signed_in, profile, sync_training):
    ids = [i for i in day_ids(date(2025, 3, 18))]
    listing_ids = cards(signed_in.get("/arxiv/cs.CV", {"date": BUSY}).content.decode())
    liked = listing_ids[-1]
    foryou.set_rating(profile, liked, 1)
    ranked = signed_in.get("/arxiv/cs.CV", {"date": BUSY, "sort": "foryou"})
    assert ranked.status_code == 200
    assert liked in cards(ranked.content.decode())[:3]
    assert liked in ids
    client.logout()
    anonymous = client.get("/arxiv/cs.CV", {"date": BUSY, "sort": "foryou"})
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]


def test_the_for_you_sort_of_a_search(related, signed_in, profile, sync_training):
    plain = cards(signed_in.get("/arxiv/search", {"q": "image"}).content.decode())
    assert len(plain) > 3
    liked = plain[-1]
    foryou.set_rating(profile, liked, 1)
    response = signed_in.get("/arxiv/search", {"q": "image", "sort": "foryou"})
    assert response.status_code == 200
    html = response.content.decode()
    assert liked in cards(html)[:3] and "ordered For you" in html
