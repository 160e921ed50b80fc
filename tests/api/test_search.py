"""GET /api/search over a real Whoosh index of real arXiv records."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coolpapers.papers.models import Paper
from tests.api.openapi import assert_conforms

pytestmark = pytest.mark.usefixtures("index")

SEARCH = "/api/search"
HIT_FIELDS = {
    "id",
    "title",
    "authors",
    "abstract",
    "categories",
    "primary_category",
    "submitted",
    "updated",
    "announced",
    "score",
    "highlights",
    "url",
    "keywords",
}
MATH = re.compile(r"\$[^$]+\$")


def get(client, **params):
    response = client.get(SEARCH, params)
    assert_conforms(response, SEARCH)
    return response


def unmarked(highlighted: str) -> str:
    return html.unescape(highlighted.replace("<mark>", "").replace("</mark>", ""))


def test_envelope_and_hits(client):
    response = get(client, q="vision", page_size=5)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "count",
        "next",
        "previous",
        "corrected_query",
        "partial",
        "strict_count",
        "results",
    }
    assert body["corrected_query"] is None and body["partial"] is False
    assert body["strict_count"] == body["count"]
    assert body["count"] > 5
    assert body["previous"] is None
    assert len(body["results"]) == 5
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    for hit in body["results"]:
        assert set(hit) == HIT_FIELDS
        paper = Paper.objects.get(pk=hit["id"])
        assert hit["title"] == paper.title
        assert hit["authors"] == paper.authors
        assert hit["categories"] == paper.category_codes
        assert hit["categories"][0] == hit["primary_category"] == paper.primary_category_id
        assert hit["announced"] == paper.announced.isoformat()
        assert hit["url"] == f"http://testserver/arxiv/{paper.pk}"
        assert "vision" in (paper.title + paper.abstract).lower()


def test_highlights_mark_query_words_and_escape_the_rest(client):
    results = get(client, q="vision", page_size=100).json()["results"]

    titles = [hit["highlights"]["title"] for hit in results]
    assert any(re.search(r"<mark>vision</mark>", title, re.IGNORECASE) for title in titles)
    for hit in results:
        for field in ("title", "abstract"):
            highlighted = hit["highlights"][field]
            # Nothing but <mark> is markup; the rest is the paper's text, escaped.
            assert "<" not in re.sub(r"</?mark>", "", highlighted)
            assert unmarked(highlighted) == hit[field]
            for word in re.findall(r"<mark>(.*?)</mark>", highlighted):
                assert word.lower().startswith("vision")
    # The sample has abstracts with quotes and ampersands: they arrive escaped.
    assert any("&#x27;" in hit["highlights"]["abstract"] for hit in results)


def test_no_mark_inside_formulas(client):
    results = get(client, q="softmax OR kappa OR times", page_size=100).json()["results"]

    texts = [hit["highlights"][field] for hit in results for field in ("title", "abstract")]
    formulas = [formula for text in texts for formula in MATH.findall(text)]
    # The query words do occur inside formulas ($softmax$, $\kappa$, $\times$) ...
    assert any(word in formula for formula in formulas for word in ("softmax", "kappa", "times"))
    # ... and are marked only outside them.
    assert not [formula for formula in formulas if "<mark>" in formula]
    assert any("<mark>" in text for text in texts)


def test_pages_link_to_each_other_and_cover_every_hit(client):
    first = get(client, q="model", page_size=10).json()
    count, seen, body, number = first["count"], [], first, 1
    assert count > 20
    while True:
        seen += [hit["id"] for hit in body["results"]]
        if body["next"] is None:
            break
        next_url = urlsplit(body["next"])
        query = parse_qs(next_url.query)
        assert next_url.path == SEARCH
        assert query == {"q": ["model"], "page_size": ["10"], "page": [str(number + 1)]}
        response = client.get(body["next"])
        assert_conforms(response, SEARCH)
        body, number = response.json(), number + 1
        previous = parse_qs(urlsplit(body["previous"]).query)
        # Page 1 is the URL without a page parameter.
        assert previous.get("page") == ([str(number - 1)] if number > 2 else None)
    assert len(seen) == len(set(seen)) == count


def test_category_spec_filters_hits(client):
    body = get(client, q="model", category="cs.AI+cs.LG-cs.CY", page_size=100).json()

    assert body["count"] == len(body["results"]) > 0
    for hit in body["results"]:
        assert {"cs.AI", "cs.LG"} & set(hit["categories"])
        assert "cs.CY" not in hit["categories"]
    everything = get(client, q="model", page_size=100).json()
    assert everything["count"] > body["count"]


def test_no_hits_is_an_empty_first_page(client):
    response = get(client, q="xyzzyplugh")

    assert response.status_code == 200
    assert response.json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "corrected_query": None,
        "partial": False,
        "strict_count": 0,
        "results": [],
    }


def test_a_misspelt_word_is_searched_corrected_and_the_response_says_so(client):
    """Issue 15: as on the search page, a word the index has never seen is corrected."""
    body = get(client, q="gaussian splating", page_size=2).json()
    right = get(client, q="gaussian splatting", page_size=2).json()
    assert body["corrected_query"] == "gaussian splatting"
    assert body["count"] == right["count"] >= 5
    assert [h["id"] for h in body["results"]] == [h["id"] for h in right["results"]]
    assert "<mark>Splatting</mark>" in body["results"][0]["highlights"]["title"]
    # The next page asks the same question, and gets the same correction.
    following = client.get(body["next"]).json()
    assert following["corrected_query"] == "gaussian splatting"
    assert [h["id"] for h in following["results"]] == [
        h["id"] for h in client.get(right["next"]).json()["results"]
    ]


@pytest.mark.parametrize("exact", ["true", "1"])
def test_exact_searches_the_words_as_typed(client, exact):
    body = get(client, q="splating", exact=exact).json()
    assert body["corrected_query"] is None and body["count"] == 0
    assert get(client, q="splating").json()["count"] > 0


def test_names_are_never_corrected(client):
    assert get(client, q="author:splating").json()["corrected_query"] is None


def test_page_past_the_end_is_404_with_a_reason(client):
    count = get(client, q="vision").json()["count"]
    response = get(client, q="vision", page=2)

    assert count <= 25
    assert response.status_code == 404
    assert response.json() == {"detail": f"page 2 is past the end: {count} results on 1 page of 25"}


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"q": ""}, "q", "blank"),
        ({"q": "   "}, "q", "blank"),
        ({"q": "x" * 501}, "q", "500"),
        ({"q": '"vision'}, "q", "unbalanced quote"),
        ({"q": "(vision"}, "q", "unbalanced parenthesis"),
        ({"q": "vision)"}, "q", "unbalanced parenthesis"),
        ({"q": "-vision"}, "q", "only excludes"),
        ({"q": "nosuchfield:vision"}, "q", "unknown field"),
        ({"q": "vision\x01"}, "q", "control characters"),
        # Parsed fine, but the engine cannot run it (a SearchInputError from search()).
        ({"q": "title:the"}, "q", "common words"),
        ({"category": "cs.XX"}, "category", "no arXiv category cs.XX"),
        ({"category": "cs.AI;cs.LG"}, "category", "a category spec is category codes"),
        ({"category": "-cs.AI"}, "category", "includes none"),
        ({"category": ""}, "category", "blank"),
        ({"from": "2025-02-30"}, "from", "not a date"),
        ({"from": "20250301"}, "from", "not a date"),
        ({"to": "yesterday"}, "to", "not a date"),
        ({"from": "2025-03-20", "to": "2025-03-01"}, "from", "after"),
        ({"sort": "stars"}, "sort", "not a valid choice"),
        ({"page": "0"}, "page", "greater than or equal to 1"),
        ({"page": "-1"}, "page", "greater than or equal to 1"),
        ({"page": "two"}, "page", "valid integer"),
        ({"page": "9" * 40}, "page", "less than or equal to 10000"),
        ({"page": "401"}, "page", "first 10000 results"),
        ({"page": "101", "page_size": "100"}, "page", "first 10000 results"),
        ({"page_size": "1000"}, "page_size", "less than or equal to 100"),
        ({"page_size": "0"}, "page_size", "greater than or equal to 1"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(client, params, param, message):
    response = get(client, **{"q": "vision", **params})

    assert response.status_code == 400
    body = response.json()
    assert list(body) == [param]
    assert message in body[param][0]


def test_missing_query_is_400_naming_q(client):
    response = get(client, page=2)

    assert response.status_code == 400
    assert response.json() == {"q": ["This field is required."]}


def test_deepest_reachable_page_is_not_rejected(client):
    # page * page_size == 10000 is allowed: past the end of this small corpus, so a 404.
    assert get(client, q="vision", page=100, page_size=100).status_code == 404


def test_announcement_dates_filter_hits(client):
    body = get(client, q="model", **{"from": "2025-03-20", "to": "2025-06-30"}).json()

    assert body["count"] > 0
    assert all("2025-03-20" <= hit["announced"] <= "2025-06-30" for hit in body["results"])


@pytest.mark.parametrize("sort", ["announced", "submitted"])
def test_sort_by_date_newest_first(client, sort):
    results = get(client, q="model", sort=sort, page_size=100).json()["results"]

    dates = [hit[sort] for hit in results]
    known = [day for day in dates if day is not None]
    assert known and known == sorted(known, reverse=True)
    assert dates == known + [None] * (len(dates) - len(known))  # undated papers last


def test_submitted_range_in_the_query(client):
    results = get(client, q="model submitted:..2024", page_size=100).json()["results"]

    assert results
    assert all(hit["submitted"] and hit["submitted"] < "2025" for hit in results)


def test_query_count_is_constant_per_page(client, django_assert_max_num_queries):
    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SEARCH, {"q": "model", "page_size": page_size}).status_code == 200
        return len(captured)

    assert queries(2) == queries(50)
    with django_assert_max_num_queries(3):  # the page's papers, their categories, keywords
        client.get(SEARCH, {"q": "image", "page_size": 100})


def test_search_without_an_index_is_503_not_500(client, settings, tmp_path):
    from search import backends

    settings.SEARCH_BACKEND_OPTIONS = {"path": str(tmp_path / "never-built")}
    backends.get_backend.cache_clear()
    try:
        response = client.get(SEARCH, {"q": "model"})
    finally:
        backends.get_backend.cache_clear()
    assert response.status_code == 503
    assert "has not been built" in response.json()["detail"]
