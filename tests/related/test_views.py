"""Keywords, [REL], the related-papers pages and the ❤ sort, over real records with their
related papers computed."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from coolpapers.browse import listing
from coolpapers.interests.prefer import prefer_order
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.models import Paper
from coolpapers.related.models import PaperKeywords, RelatedPaper

pytestmark = pytest.mark.django_db

BUSY_DAY = date(2025, 3, 18)  # 50 cs.CV papers in the sample: two pages


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def some_paper() -> Paper:
    return Paper.objects.filter(related_links__isnull=False).order_by("pk").first()


def article_ids(html: str) -> list[str]:
    return re.findall(r'<article class="paper[^"]*" id="[^"]+" data-arxiv-id="([^"]+)"', html)


def test_lists_show_rel_and_keywords_as_searches(client, related):
    response = client.get("/arxiv/cs.CV", {"date": BUSY_DAY.isoformat()})
    html = response.content.decode()
    first = article_ids(html)[0]
    keywords = PaperKeywords.objects.get(paper_id=first).keywords
    assert keywords
    assert f'href="/arxiv/{first}/related" data-star-url="/arxiv/{first}/star"' in html
    link = re.search(r'<a class="keyword" href="([^"]+)" data-keyword="([^"]+)"', html)
    assert link.group(2) == keywords[0]
    assert parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query) == {
        "q": [f'"{keywords[0]}"']
    }


def test_paper_page_shows_keywords_and_loads_its_related_papers_lazily(client, related):
    paper = some_paper()
    html = client.get(f"/arxiv/{paper.pk}").content.decode()
    for keyword in PaperKeywords.objects.get(paper=paper).keywords:
        assert f'data-keyword="{keyword}"' in html
    assert f'hx-get="/arxiv/{paper.pk}/related/chunk?embed=1" hx-trigger="revealed"' in html

    section = client.get(f"/arxiv/{paper.pk}/related/chunk", {"embed": "1"})
    assert section.status_code == 200
    expected = list(
        RelatedPaper.objects.filter(paper=paper)
        .order_by("rank")
        .values_list("related_id", flat=True)
    )
    assert article_ids(section.content.decode()) == expected[:10]
    assert f'href="/arxiv/{paper.pk}/related"' in section.content.decode()


def test_related_page_lists_twenty_papers_ten_at_a_time(client, related):
    paper = some_paper()
    links = list(RelatedPaper.objects.filter(paper=paper).order_by("rank"))
    assert len(links) == 20
    response = client.get(f"/arxiv/{paper.pk}/related")
    assert response.status_code == 200
    html = response.content.decode()
    assert article_ids(html) == [link.related_id for link in links[:10]]
    assert "20 related papers" in html
    assert f"{links[0].score:.1f}" in html  # the score, as shown next to the title
    assert f'hx-get="/arxiv/{paper.pk}/related/chunk?page=2"' in html
    chunk = client.get(f"/arxiv/{paper.pk}/related/chunk", {"page": "2"})
    assert article_ids(chunk.content.decode()) == [link.related_id for link in links[10:]]
    assert "End of the list: 20 papers." in chunk.content.decode()
    # Page 2 (the address the lazy loader writes) shows page 1 above it: all twenty, from the
    # top (tests/related/test_place.py).
    second = client.get(f"/arxiv/{paper.pk}/related", {"page": "2"}).content.decode()
    assert article_ids(second) == [link.related_id for link in links]
    assert "earlier-papers" not in second


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/arxiv/2503.99999/related", 404, "not in our database"),
        ("/arxiv/2513.00001/related", 400, "Not an arXiv id"),
        ("/arxiv/{id}/related?page=3", 400, "1 to 2"),
        ("/arxiv/{id}/related?page=x", 400, "is not a page"),
        ("/arxiv/{id}/related/chunk?page=0", 400, "is not a page"),
    ],
)
def test_bad_requests_say_why(client, related, path, status, reason):
    response = client.get(path.format(id=some_paper().pk))
    assert response.status_code == status
    assert reason in response.content.decode()


def test_other_id_forms_redirect_to_the_canonical_page(client, related):
    paper = some_paper()
    response = client.get(f"/arxiv/arXiv:{paper.pk}v1/related")
    assert response.status_code == 301
    assert response["Location"] == f"/arxiv/{paper.pk}/related"


def test_a_paper_without_results_says_they_are_coming(client, papers):
    paper = Paper.objects.order_by("pk").first()
    page = client.get(f"/arxiv/{paper.pk}/related").content.decode()
    assert "being computed" in page and "<article" not in page
    section = client.get(f"/arxiv/{paper.pk}/related/chunk?embed=1").content.decode()
    assert "being computed" in section


def test_prefer_sort_orders_the_whole_day_by_the_keywords(client, related):
    spec = parse_spec("cs.CV")
    day_ids = [p.pk for p in listing.day_papers(spec, BUSY_DAY)]
    expected = prefer_order(day_ids, ["segmentation", "3d"])
    assert expected != day_ids
    params = {"date": BUSY_DAY.isoformat(), "sort": "prefer", "kw": "segmentation, 3D"}
    first = client.get("/arxiv/cs.CV", params)
    html = first.content.decode()
    assert article_ids(html) == expected[:25]
    assert 'aria-current="true">❤ my interests' in html
    chunk_url = re.search(r'class="sentinel" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(chunk_url).query)
    assert query["sort"] == ["prefer"] and query["kw"] == ["segmentation,3d"]
    second = client.get(chunk_url)
    assert article_ids(second.content.decode()) == expected[25:]


def test_prefer_sort_without_keywords_is_a_clear_400(client, related):
    response = client.get("/arxiv/cs.CV", {"date": BUSY_DAY.isoformat(), "sort": "prefer"})
    assert response.status_code == 400
    assert "sort=prefer needs your preference keywords" in response.content.decode()


def test_lists_offer_the_prefer_sort_to_the_script(client, related):
    html = client.get("/arxiv/cs.CV", {"date": BUSY_DAY.isoformat()}).content.decode()
    assert re.search(r'<span class="prefer-sort" hidden>', html)
    assert 'data-prefer="/arxiv/cs.CV?date=2025-03-18&amp;sort=prefer"' in html
    assert 'data-interests="/interests"' in html


def test_search_prefer_sort_reorders_the_best_matches(client, related):
    relevance = client.get("/arxiv/search", {"q": "image"}).content.decode()
    by_relevance = article_ids(relevance)
    assert len(by_relevance) > 3
    preferred = client.get("/arxiv/search", {"q": "image", "sort": "prefer", "kw": "medical"})
    ids = article_ids(preferred.content.decode())
    assert sorted(ids) == sorted(by_relevance)
    assert ids == prefer_order(by_relevance, ["medical"])
    assert ids != by_relevance
    assert "ordered by your interests" in preferred.content.decode()
    missing = client.get("/arxiv/search", {"q": "image", "sort": "prefer"})
    assert missing.status_code == 400 and "kw" in missing.content.decode()
    deep = client.get("/arxiv/search", {"q": "image", "sort": "prefer", "kw": "x", "page": "30"})
    assert deep.status_code == 400 and "best 500 matches" in deep.content.decode()


def test_interests_page_is_served_for_the_script(client, db):
    html = client.get("/interests").content.decode()
    assert 'id="word-cloud"' in html and 'data-search="/arxiv/search"' in html
    assert "clear-interests" in html and 'id="prefer-keywords"' in html
