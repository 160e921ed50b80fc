"""The search page, its lazy pages and its feed, on a real index of real papers."""

from __future__ import annotations

import re

import defusedxml.ElementTree as ET
import pytest

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_empty_search_page_shows_the_form(client):
    response = client.get("/arxiv/search")
    assert response.status_code == 200
    assert (
        b'name="q"' in response.content and b"paper" not in response.content.split(b"<main")[-1][:0]
    )


def test_results_are_counted_highlighted_and_linked(client, index):
    response = client.get("/arxiv/search", {"q": "gaussian splatting"})
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"\b5 papers\b", html)
    assert "<mark>Gaussian</mark>" in html and "<mark>Splatting</mark>" in html
    assert 'href="/arxiv/2503.11731"' in html
    assert "/arxiv/search/feed?q=gaussian+splatting" in html


def test_highlighting_never_enters_a_formula(client, index):
    html = client.get("/arxiv/search", {"q": "mamba light field"}).content.decode()
    assert "2503.19253" in html
    assert "$L^2$" in html.replace("&#x27;", "'")  # the formula is intact
    assert "<mark>L</mark>" not in html


def test_filters_and_sort_are_applied(client, index):
    from coolpapers.papers.models import Paper

    params = {"q": "cat:cs.*", "category": "cs.RO", "sort": "announced"}
    html = client.get("/arxiv/search", params).content.decode()
    ids = re.findall(r'data-arxiv-id="([^"]+)"', html)
    robotics = Paper.objects.filter(category_links__category_id="cs.RO")
    assert ids and set(ids) == set(robotics.values_list("pk", flat=True))
    days = [Paper.objects.get(pk=i).announced for i in ids]
    assert days == sorted(days, reverse=True)


def test_lazy_loading_pages_through_all_results_once(client, index):
    first = client.get("/arxiv/search", {"q": "a* OR learning OR model"}).content.decode()
    seen = re.findall(r'data-arxiv-id="([^"]+)"', first)
    count = int(re.search(r"(\d+) papers", first).group(1))
    assert len(seen) == 25 < count
    chunk_url = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    while chunk_url:
        chunk = client.get(chunk_url).content.decode()
        seen += re.findall(r'data-arxiv-id="([^"]+)"', chunk)
        found = re.search(r'hx-get="([^"]+)"', chunk)
        chunk_url = found.group(1).replace("&amp;", "&") if found else ""
    assert len(seen) == len(set(seen)) == count


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"unbalanced'}, "unbalanced quote"),
        ({"q": "x" * 501}, "the limit is 500"),
        ({"q": "titel:x"}, "unknown field"),
        ({"q": "model", "category": "cs.NOPE"}, "no arXiv category cs.NOPE"),
        ({"q": "model", "from": "2025-13-01"}, "is not a date"),
        ({"q": "model", "page": "999999"}, "page must be a number"),
        ({"q": "model", "sort": "random"}, "sort must be one of"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(client, index, params, message):
    response = client.get("/arxiv/search", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_unknown_word_gets_a_suggestion(client, index):
    html = client.get("/arxiv/search", {"q": "gaussian splating"}).content.decode()
    assert "No paper matches" in html
    assert "Did you mean" in html and "gaussian splatting" in html


def test_search_feed_is_valid_atom(client, index):
    response = client.get("/arxiv/search/feed", {"q": "gaussian splatting"})
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/atom+xml"
    )
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}title").text.startswith(
        "Search: gaussian splatting"
    )
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 5
    for entry in entries:
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None
    assert client.get("/arxiv/search/feed", {"q": '"open'}).status_code == 400


def test_constant_queries_per_page(client, index, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/arxiv/search", {"q": "learning"})
