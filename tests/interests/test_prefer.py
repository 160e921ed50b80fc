"""The ❤ sort: reading the reader's keywords, and ordering a list by their BM25 score."""

from __future__ import annotations

import pytest

from coolpapers.interests.prefer import BadKeywords, keyword_query, parse_keywords, prefer_order
from coolpapers.papers.models import Paper
from search.backends import get_backend
from search.backends.base import SearchRequest
from search.query import Or, Term


def test_keywords_are_comma_separated_lowercased_and_deduplicated():
    assert parse_keywords(" Diffusion  Model, graph neural;diffusion model,,\n3D ") == (
        "diffusion model",
        "graph neural",
        "3d",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "needs your preference keywords"),
        (None, "needs your preference keywords"),
        (" , ;", "holds no words"),
        ("$$, --", "holds no words"),
        ("x" * 1001, "at most 1000"),
        (",".join(f"w{i}" for i in range(41)), "at most 40"),
    ],
)
def test_unusable_keywords_say_why(text, reason):
    with pytest.raises(BadKeywords, match=reason):
        parse_keywords(text)


def test_the_query_scores_every_word_of_every_keyword_once():
    assert keyword_query(["diffusion model", "Model", "self-supervised"]) == Or(
        (Term(None, "diffusion"), Term(None, "model"), Term(None, "self-supervised"))
    )


@pytest.mark.django_db
def test_matching_papers_come_first_best_first_the_rest_keep_their_order(index):
    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True))
    ordered = prefer_order(ids, ["segmentation", "point cloud"])
    assert sorted(ordered) == sorted(ids) and len(ordered) == len(ids)
    backend = get_backend()
    request = SearchRequest(query=keyword_query(["segmentation", "point cloud"]))
    expected = [hit.arxiv_id for hit in backend.search(request)[:1000]]
    # Only the listed papers, in the engine's BM25 order; every other paper after them.
    assert 3 <= len(expected) < len(ids)
    assert ordered[: len(expected)] == expected
    assert ordered[len(expected) :] == [pid for pid in ids if pid not in set(expected)]
    # Restricted to a sub-list, the other papers do not appear.
    part = ids[::2]
    assert sorted(prefer_order(part, ["segmentation"])) == sorted(part)


@pytest.mark.django_db
def test_keywords_of_only_common_words_leave_the_order_alone(index):
    ids = list(Paper.objects.order_by("-pk").values_list("pk", flat=True))
    assert prefer_order(ids, ["the", "of"]) == ids
    assert prefer_order([], ["segmentation"]) == []
