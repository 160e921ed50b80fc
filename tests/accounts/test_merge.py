"""Merging what a browser kept into the account: only on a POST of ticked items, keywords
into the first collection, papers as read marks; malformed input is a 400, nothing stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coolpapers.library.models import Collection, ReadMark
from coolpapers.papers.models import Paper

pytestmark = pytest.mark.django_db


def test_the_offer_needs_a_sign_in_and_only_shows(client, reader):
    answer = client.get(reverse("account_merge"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("account_login"))
    client.force_login(reader)
    page = client.get(reverse("account_merge") + "?next=/arxiv/cs.CL")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-next="/arxiv/cs.CL"' in html
    assert '<noscript><meta http-equiv="refresh" content="0; url=/arxiv/cs.CL">' in html
    assert ReadMark.objects.count() == 0


def test_next_stays_on_this_site(client, reader):
    client.force_login(reader)
    html = client.get(reverse("account_merge") + "?next=https://evil.example/").content.decode()
    assert 'data-next="/"' in html


def test_merge_adds_keywords_and_read_marks_once(client, reader, papers):
    client.force_login(reader)
    collection = Collection.objects.get(owner=reader)
    collection.keywords = "Diffusion"
    collection.save()
    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True)[:2])
    data = {
        "keywords": ["diffusion", "graph  neural", "score, matching"],
        "papers": [ids[0], f"arXiv:{ids[1]}v2", "2901.99999"],
        "next": "/arxiv/cs.LG",
    }
    answer = client.post(reverse("account_merge"), data)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "2 keywords added to “Reading list”" in html and "1 was there already" in html
    assert "2 papers marked read" in html and "2901.99999" in html
    assert 'href="/arxiv/cs.LG"' in html
    collection.refresh_from_db()
    assert collection.keywords == "Diffusion, graph neural, score matching"
    assert set(ReadMark.objects.filter(owner=reader).values_list("paper_id", flat=True)) == set(ids)
    again = client.post(reverse("account_merge"), data)
    assert "0 keywords added" in again.content.decode()
    assert ReadMark.objects.filter(owner=reader).count() == 2


@pytest.mark.parametrize(
    "data, reason",
    [
        ({"papers": ["not an id"]}, "Not an arXiv id"),
        ({"keywords": ["x" * 101]}, "longer than 100 characters"),
        ({"keywords": [f"k{n}" for n in range(201)]}, "At most 200 keywords"),
        ({}, "Nothing was ticked"),
    ],
)
def test_malformed_merges_are_refused(client, reader, data, reason):
    client.force_login(reader)
    answer = client.post(reverse("account_merge"), data)
    assert answer.status_code == 400
    assert reason in answer.content.decode()
    assert Collection.objects.get(owner=reader).keywords == ""
    assert ReadMark.objects.count() == 0


def test_titles_for_the_offer(client, reader, papers):
    client.force_login(reader)
    paper = Paper.objects.order_by("pk").first()
    answer = client.get(reverse("account_merge_titles") + f"?ids={paper.pk},bad,2901.99999")
    assert answer.json() == {"titles": {paper.pk: paper.title}}
