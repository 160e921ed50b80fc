"""GET /api/papers/, /api/papers/<id> and /api/categories/ over real ingested records."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coolpapers.papers.models import Announcement, Category, Paper
from tests.api.openapi import assert_conforms

PAPERS = "/api/papers/"
DETAIL = "/api/papers/{id}"
CATEGORIES = "/api/categories/"
PAPER_FIELDS = {
    "id",
    "title",
    "authors",
    "abstract",
    "categories",
    "primary_category",
    "comments",
    "journal_ref",
    "doi",
    "license",
    "version",
    "submitted",
    "updated",
    "announced",
    "url",
    "pdf_url",
    "keywords",
}
BUSY_DAY = date(2025, 3, 18)  # 50 papers announced, all in cs.CV


def get_list(client, **params):
    response = client.get(PAPERS, params)
    assert_conforms(response, PAPERS)
    return response


def get_paper(client, raw_id: str):
    response = client.get(PAPERS + raw_id)
    assert_conforms(response, DETAIL)
    return response


# --- list -------------------------------------------------------------------------------------


def test_list_envelope_and_fields(client, papers):
    body = get_list(client, page_size=10).json()

    assert body["count"] == Paper.objects.count() == 75
    assert body["previous"] is None
    assert parse_qs(urlsplit(body["next"]).query) == {"page": ["2"], "page_size": ["10"]}
    assert len(body["results"]) == 10
    for item in body["results"]:
        assert set(item) == PAPER_FIELDS
        paper = Paper.objects.get(pk=item["id"])
        assert item["categories"] == paper.category_codes
        assert item["categories"][0] == item["primary_category"]
        assert item["url"] == f"http://testserver/arxiv/{paper.pk}"
        assert item["pdf_url"] == f"https://arxiv.org/pdf/{paper.pk}"
    announced = [item["announced"] for item in body["results"]]
    assert announced == sorted(announced, reverse=True)


def test_list_by_category_and_day(client, papers):
    body = get_list(client, category="cs.CV", date=BUSY_DAY.isoformat(), page_size=100).json()

    listed = {item["id"] for item in body["results"]}
    on_that_day = set(Announcement.objects.filter(date=BUSY_DAY).values_list("paper", flat=True))
    assert body["count"] == len(listed) == 50
    assert listed <= on_that_day
    assert all("cs.CV" in item["categories"] for item in body["results"])


def test_list_by_spec_with_exclusion(client, papers):
    body = get_list(client, category="cs.CV-cs.AI", page_size=100).json()
    with_ai = get_list(client, category="cs.CV", page_size=100).json()

    assert 0 < body["count"] < with_ai["count"]
    for item in body["results"]:
        assert "cs.CV" in item["categories"] and "cs.AI" not in item["categories"]


def test_list_by_day_alone(client, papers):
    body = get_list(client, date="1994-11-01").json()

    assert [item["id"] for item in body["results"]] == ["acc-phys/9411001"]


def test_list_day_without_papers_is_empty(client, papers):
    body = get_list(client, date="2025-03-19").json()

    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_list_walks_every_page(client, papers):
    url, seen = f"{PAPERS}?page_size=20", []
    while url:
        response = client.get(url)
        assert_conforms(response, PAPERS)
        body = response.json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(Paper.objects.values_list("pk", flat=True))
    last = get_list(client, page_size=20, page=4).json()
    assert parse_qs(urlsplit(last["previous"]).query) == {"page": ["3"], "page_size": ["20"]}
    assert last["next"] is None


def test_list_page_past_the_end(client, papers):
    response = get_list(client, page=5, page_size=20)

    assert response.status_code == 404
    assert response.json() == {"detail": "page 5 is past the end: 75 results on 4 pages of 20"}


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"date": "2025-3-18"}, "date", "not a date"),
        ({"date": "2025-02-29"}, "date", "not a date"),
        ({"date": ""}, "date", "not a date"),
        ({"category": "cs.XX"}, "category", "no arXiv category cs.XX"),
        ({"category": "cs.CV,,cs.AI"}, "category", "empty entry"),
        ({"category": "cs.CV-cs.CV"}, "category", "both included and excluded"),
        ({"category": "x" * 301}, "category", "300"),
        ({"page": "0"}, "page", "greater than or equal to 1"),
        ({"page": "10" * 30}, "page", "less than or equal to 10000"),
        ({"page": "201", "page_size": "50"}, "page", "first 10000 results"),
        ({"page_size": "101"}, "page_size", "less than or equal to 100"),
        ({"page_size": ""}, "page_size", "valid integer"),
    ],
)
def test_list_bad_input_is_400_naming_the_parameter(client, papers, params, param, message):
    response = get_list(client, **params)

    assert response.status_code == 400
    body = response.json()
    assert list(body) == [param]
    assert message in body[param][0]


def test_list_query_count_is_constant_per_page(client, papers, django_assert_max_num_queries):
    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAPERS, {"page_size": page_size}).status_code == 200
        return len(captured)

    assert queries(2) == queries(75)
    with django_assert_max_num_queries(4):  # count, the page, its categories, keywords
        client.get(PAPERS, {"category": "cs.CV-cs.AI", "date": "2025-03-18", "page_size": 100})


# --- one paper --------------------------------------------------------------------------------


def test_paper_with_versions(client, papers):
    response = get_paper(client, "hep-th/9709111")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAPER_FIELDS | {"versions", "notes"}
    assert body["id"] == "hep-th/9709111"
    assert body["categories"] == ["hep-th", "hep-ph"]
    assert body["primary_category"] == "hep-th"
    assert body["doi"] == "10.1088/1126-6708/1997/11/001"
    assert body["journal_ref"] == "JHEP 9711:001,1997"
    assert body["version"] == 3
    assert body["submitted"] == "1997-09-16T14:44:58Z"
    assert body["updated"] == "1997-11-03T19:27:30Z"
    assert body["announced"] == "1997-09-16"
    assert body["url"] == "http://testserver/arxiv/hep-th/9709111"
    assert body["pdf_url"] == "https://arxiv.org/pdf/hep-th/9709111"
    assert body["versions"] == [
        {"version": 1, "submitted": "1997-09-16T14:44:58Z", "size": "11kb"},
        {"version": 2, "submitted": "1997-09-23T17:34:41Z", "size": "11kb"},
        {"version": 3, "submitted": "1997-11-03T19:27:30Z", "size": "14kb"},
    ]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("1607.08199", "1607.08199"),
        ("1607.08199v3", "1607.08199"),
        ("arXiv:1607.08199v5", "1607.08199"),
        ("hep-th/9709111v2", "hep-th/9709111"),
        ("hep-th%2F9709111", "hep-th/9709111"),
        ("math/0202001", "math/0202001"),
    ],
)
def test_paper_by_any_id_form(client, papers, raw, canonical):
    response = get_paper(client, raw)

    assert response.status_code == 200
    assert response.json()["id"] == canonical


def test_unknown_paper_is_404(client, papers):
    response = get_paper(client, "2501.99999")

    assert response.status_code == 404
    assert response.json() == {"detail": "paper 2501.99999 is not in our database"}


@pytest.mark.parametrize(
    "raw", ["foo", "2513.01234", "2501.1234", "0612.0001", "hep-th/99010011", "1607.08199v0", "."]
)
def test_malformed_id_is_400_naming_id(client, papers, raw):
    response = get_paper(client, raw)

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["id"]
    assert repr(raw) in body["id"][0]  # the message quotes the id and says what is wrong


def test_id_with_a_newline_is_a_json_400_too(client, papers):
    response = get_paper(client, "2501%0A01234")

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["id"]
    assert body["id"][0].startswith("'2501\\n01234' is not an arXiv id")


def test_paper_query_count(client, papers, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # the paper, its categories, versions, notes, keywords
        assert client.get(PAPERS + "1607.08199").status_code == 200


# --- categories -------------------------------------------------------------------------------


def test_categories(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get(CATEGORIES)
    assert_conforms(response, CATEGORIES)

    body = response.json()
    assert len(body) == Category.objects.count() > 100
    assert [entry["code"] for entry in body] == sorted(entry["code"] for entry in body)
    by_code = {entry["code"]: entry for entry in body}
    assert by_code["cs.CV"] == {
        "code": "cs.CV",
        "name": "Computer Vision and Pattern Recognition",
        "archive": "cs",
        "group": "Computer Science",
        "active": True,
    }
    assert by_code["acc-phys"]["active"] is False
