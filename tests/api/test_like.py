"""GET /api/papers/like: the papers nearest to the mean embedding of the given ones, over real
ingested records embedded by the real MiniLM model (tests marked `semantic`).

The expected orders come from an oracle written here with NumPy over the stored float16
vectors, not from the code under test.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from coolpapers.browse import listing
from coolpapers.papers.category_spec import parse_spec
from coolpapers.semantic import services
from coolpapers.semantic.models import PaperEmbedding
from tests.api.openapi import assert_conforms

pytestmark = pytest.mark.django_db

LIKE = "/api/papers/like"
BUSY_DAY = date(2025, 3, 18)  # cs.CV's list holds 50 papers that day
LATEST_CV_DAY = date(2025, 11, 5)  # cs.CV's last day in the sample: one paper
SEGMENTATION = ["2503.12006", "2503.11953"]  # ROS-SAM and SPOC, both on the busy day
JUNE = ["2506.04230", "2506.04236", "2506.13636", "2506.13677"]  # first announced in June 2025
N_BODY, NEUTRON_STARS = "2506.13636", "2506.13677"  # the two astro-ph papers of June


@pytest.fixture
def semantic(settings) -> None:
    settings.SEMANTIC = "auto"


def busy_list() -> list[str]:
    return listing.day_ids(parse_spec("cs.CV"), BUSY_DAY)


def embed(ids: list[str]) -> None:
    """Really embedded with the configured model, as the backfill does."""
    assert services.embed_papers(ids) == len(set(ids))


def oracle(given: list[str], pool: list[str]) -> list[tuple[str, float]]:
    """Pool papers (not given) with a current embedding, by cosine to the normalised mean of
    the given papers' embeddings, best first, ties by id."""
    stored = dict(PaperEmbedding.objects.values_list("paper_id", "vector"))

    def vector(pid: str) -> np.ndarray:
        return np.frombuffer(bytes(stored[pid]), dtype=np.float16).astype(np.float64)

    used = [pid for pid in given if pid in stored]
    centre = np.mean([vector(pid) for pid in used], axis=0)
    centre /= np.linalg.norm(centre)
    scored = [(pid, float(vector(pid) @ centre)) for pid in pool if pid in stored]
    scored = [(pid, score) for pid, score in scored if pid not in used]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def get_like(client, **params):
    response = client.get(LIKE, params)
    assert_conforms(response, LIKE)
    return response


def ranked(body: dict) -> list[tuple[str, float]]:
    assert [r["rank"] for r in body["results"]] == list(range(1, len(body["results"]) + 1))
    return [(r["paper"]["id"], r["score"]) for r in body["results"]]


def approx(pairs: list[tuple[str, float]]) -> list:
    return [(pid, pytest.approx(score, abs=2e-5)) for pid, score in pairs]


# --- results --------------------------------------------------------------------------------


@pytest.mark.semantic
def test_a_days_list_nearest_first_by_cosine(client, papers, semantic):
    day = busy_list()
    embed(day)
    given = ["arXiv:2503.12006v1", SEGMENTATION[1], "2503.12006"]  # repeats count once

    response = get_like(
        client, ids=",".join(given), category="cs.CV", date=BUSY_DAY.isoformat(), limit=10
    )

    assert response.status_code == 200
    body = response.json()
    expected = oracle(SEGMENTATION, day)
    assert len(expected) == 48  # the list without the two given papers
    assert body["ids"] == SEGMENTATION and body["missing"] == body["pending"] == []
    assert body["restriction"] == {
        "kind": "list",
        "category": "cs.CV",
        "date": "2025-03-18",
        "from": None,
        "to": None,
        "pool": 50,
    }
    assert body["count"] == 10
    assert ranked(body) == approx(expected[:10])
    assert all(-1 <= score <= 1 for _, score in expected)
    first = body["results"][0]["paper"]
    assert first["url"].endswith(f"/arxiv/{first['id']}") and "cs.CV" in first["categories"]

    # The default limit is 25; at most 100 may be asked for, and the list has 48 to give.
    params = {"ids": ",".join(SEGMENTATION), "category": "cs.CV", "date": "2025-03-18"}
    assert ranked(get_like(client, **params).json()) == approx(expected[:25])
    assert ranked(get_like(client, **params, limit=100).json()) == approx(expected)


@pytest.mark.semantic
def test_a_list_without_date_is_its_latest_day(client, papers, semantic):
    embed(["2511.01541", SEGMENTATION[0]])

    body = get_like(client, ids=SEGMENTATION[0], category="cs.cv").json()

    assert body["restriction"]["date"] == LATEST_CV_DAY.isoformat() == "2025-11-05"
    assert body["restriction"]["category"] == "cs.CV" and body["restriction"]["pool"] == 1
    assert ranked(body) == approx(oracle([SEGMENTATION[0]], ["2511.01541"]))


@pytest.mark.semantic
def test_a_range_of_days_finds_the_paper_nearest_in_meaning(client, papers, semantic):
    embed(JUNE)

    body = get_like(client, ids=N_BODY, **{"from": "2025-06-01", "to": "2025-07-01"}).json()

    assert body["restriction"] == {
        "kind": "range",
        "category": None,
        "date": None,
        "from": "2025-06-01",
        "to": "2025-07-01",
        "pool": 4,
    }
    assert ranked(body) == approx(oracle([N_BODY], JUNE))
    # Embeddings carry meaning: the other astrophysics paper comes before databases and
    # multi-agent systems.
    assert body["results"][0]["paper"]["id"] == NEUTRON_STARS

    # A category narrows the range (the neutron-star paper is cross-listed in astro-ph.GA).
    narrowed = get_like(
        client, ids=N_BODY, category="astro-ph.GA", **{"from": "2025-06-01", "to": "2025-06-30"}
    ).json()
    assert narrowed["restriction"]["category"] == "astro-ph.GA"
    assert narrowed["restriction"]["pool"] == 2
    assert [pid for pid, _ in ranked(narrowed)] == [NEUTRON_STARS]


@pytest.mark.semantic
def test_given_papers_not_found_or_not_embedded_are_reported_and_left_out(client, papers, semantic):
    day = busy_list()
    not_embedded = day[5]
    embed([pid for pid in day if pid != not_embedded])

    body = get_like(
        client,
        ids=f"2503.99999,{not_embedded},{SEGMENTATION[0]}",
        category="cs.CV",
        date=BUSY_DAY.isoformat(),
        limit=100,
    ).json()

    assert body["ids"] == [SEGMENTATION[0]]
    assert body["missing"] == ["2503.99999"] and body["pending"] == [not_embedded]
    results = ranked(body)
    assert results == approx(oracle([SEGMENTATION[0]], day))
    assert len(results) == 48 and not_embedded not in dict(results)


@pytest.mark.semantic
def test_no_given_paper_in_the_database_is_a_404(client, papers, semantic):
    response = get_like(client, ids="2503.99999,2503.99998", category="cs.CV")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "none of these papers is in our database: 2503.99999, 2503.99998"
    }


@pytest.mark.semantic
def test_no_current_embedding_is_a_409(client, papers, semantic):
    response = get_like(client, ids=",".join(SEGMENTATION), category="cs.CV")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("none of these papers has an embedding yet")

    # An embedding of an older text of the paper does not count either.
    embed(SEGMENTATION)
    assert get_like(client, ids=",".join(SEGMENTATION), category="cs.CV").status_code == 200
    PaperEmbedding.objects.update(content_hash="an older text")
    assert get_like(client, ids=",".join(SEGMENTATION), category="cs.CV").status_code == 409


@pytest.mark.semantic
def test_a_range_of_31_days_is_allowed(client, papers, semantic):
    embed(JUNE)
    response = get_like(client, ids=N_BODY, **{"from": "2025-06-01", "to": "2025-07-01"})
    assert response.status_code == 200  # June 1 to July 1: 31 days, both ends included


# --- errors ---------------------------------------------------------------------------------


def test_bm25_mode_is_a_503_that_says_why(client, papers, settings):
    settings.SEMANTIC = "off"
    response = get_like(client, ids=SEGMENTATION[0], category="cs.CV")
    assert response.status_code == 503
    assert "needs semantic mode" in response.json()["detail"]


FIFTY_ONE = ",".join(f"2503.{n:05d}" for n in range(10001, 10052))


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"category": "cs.CV"}, "ids", "This field is required."),
        ({"ids": "", "category": "cs.CV"}, "ids", "This field may not be blank."),
        ({"ids": " , ", "category": "cs.CV"}, "ids", "ids= needs 1 to 50 arXiv ids"),
        ({"ids": "2503.12006,2513.00001", "category": "cs.CV"}, "ids", "has month 13"),
        ({"ids": "2503.12006,paper", "category": "cs.CV"}, "ids", "'paper' is not an arXiv id"),
        ({"ids": FIFTY_ONE, "category": "cs.CV"}, "ids", "ids= holds 51 ids; at most 50"),
        ({"ids": "2503.12006"}, "category", "no restriction given: give category="),
        ({"ids": "2503.12006", "date": "2025-03-18"}, "category", "date= needs it"),
        ({"ids": "2503.12006", "category": "cs.XX"}, "category", "no arXiv category cs.XX"),
        ({"ids": "2503.12006", "category": "cs.CV,"}, "category", "empty entry"),
        ({"ids": "2503.12006", "category": "cs.CV", "date": "2025-3-18"}, "date", "not a date"),
        ({"ids": "2503.12006", "category": "cs.CV", "date": "2025-02-30"}, "date", "not a date"),
        ({"ids": "2503.12006", "from": "2025-06-01"}, "to", "from= needs to= too"),
        ({"ids": "2503.12006", "to": "2025-06-01"}, "from", "to= needs from= too"),
        (
            {"ids": "2503.12006", "from": "2025-06-02", "to": "2025-06-01"},
            "from",
            "from= is after to=",
        ),
        (
            {"ids": "2503.12006", "from": "2025-06-01", "to": "2025-07-02"},
            "to",
            "the range 2025-06-01 to 2025-07-02 is 32 days; at most 31",
        ),
        (
            {"ids": "2503.12006", "date": "2025-06-01", "from": "2025-06-01", "to": "2025-06-02"},
            "date",
            "not both",
        ),
        ({"ids": "2503.12006", "category": "cs.CV", "limit": "0"}, "limit", "greater than"),
        ({"ids": "2503.12006", "category": "cs.CV", "limit": "101"}, "limit", "less than"),
    ],
)
def test_unusable_parameters_are_a_400_naming_the_parameter(
    client, papers, settings, params, field, message
):
    settings.SEMANTIC = "off"  # parameters are checked first: a 400, not the 503
    response = get_like(client, **params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert message in body[field][0]


@pytest.mark.semantic
def test_old_style_ids_are_canonicalised_like_the_others(client, papers, semantic):
    old_style = "hep-th/9709111"
    embed([old_style, *SEGMENTATION])
    body = get_like(client, ids="arXiv:hep-th/9709111v1", category="cs.CV", date="2025-03-18")
    assert body.status_code == 200
    assert body.json()["ids"] == [old_style]
    assert ranked(body.json()) == approx(oracle([old_style], busy_list()))
