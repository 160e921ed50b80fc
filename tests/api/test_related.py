"""`keywords` on every paper of the API, and GET /api/papers/<id>/related."""

from __future__ import annotations

import pytest

from coolpapers.papers.models import Paper
from coolpapers.related.models import PaperKeywords, RelatedPaper
from tests.api.openapi import assert_conforms

pytestmark = pytest.mark.django_db

RELATED = "/api/papers/{id}/related"


def get_related(client, raw_id: str):
    response = client.get(f"/api/papers/{raw_id}/related")
    assert_conforms(response, RELATED)
    return response


def test_related_papers_with_scores_best_first(client, related):
    paper = Paper.objects.filter(related_links__isnull=False).order_by("pk").first()
    body = get_related(client, paper.pk).json()
    links = list(RelatedPaper.objects.filter(paper=paper).order_by("rank"))
    state = PaperKeywords.objects.get(paper=paper)
    assert body["id"] == paper.pk and body["count"] == 20 and body["stale"] is False
    assert body["keywords"] == state.keywords and body["signals"] == ["bm25"]
    assert [(r["rank"], r["paper"]["id"], r["score"]) for r in body["results"]] == [
        (link.rank, link.related_id, pytest.approx(link.score)) for link in links
    ]
    first = body["results"][0]["paper"]
    assert first["keywords"] == PaperKeywords.objects.get(paper_id=first["id"]).keywords
    assert first["url"].endswith(f"/arxiv/{first['id']}")


def test_other_id_forms_name_the_same_paper(client, related):
    paper = Paper.objects.filter(related_links__isnull=False).order_by("pk").first()
    assert get_related(client, f"arXiv:{paper.pk}v2").json()["id"] == paper.pk


def test_not_computed_yet_is_an_empty_list(client, papers):
    paper = Paper.objects.order_by("pk").first()
    body = get_related(client, paper.pk).json()
    assert body == {
        "id": paper.pk,
        "keywords": [],
        "computed": None,
        "stale": True,
        "signals": ["bm25"],
        "count": 0,
        "results": [],
    }


def test_unknown_and_malformed_ids(client, papers):
    missing = get_related(client, "2503.99999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "paper 2503.99999 is not in our database"}
    malformed = get_related(client, "2513.00001")
    assert malformed.status_code == 400 and "id" in malformed.json()


def test_every_paper_in_the_api_carries_its_keywords(client, related):
    listed = client.get("/api/papers/", {"page_size": 100}).json()["results"]
    stored = dict(PaperKeywords.objects.values_list("paper_id", "keywords"))
    assert listed and all(p["keywords"] == stored[p["id"]] for p in listed)
    detail = client.get(f"/api/papers/{listed[0]['id']}").json()
    assert detail["keywords"] == stored[listed[0]["id"]]
    hits = client.get("/api/search", {"q": "image"}).json()["results"]
    assert hits and all(h["keywords"] == stored[h["id"]] for h in hits)
