"""search.service: the corrections of misspelt words, on a real index of real papers."""

from __future__ import annotations

import pytest

from search.query import parse_query
from search.service import correct, query_text


@pytest.mark.parametrize(
    "query",
    [
        "gaussian splatting",
        'llm OR "language model" -survey',
        "a b OR c d",
        "(a OR b) (c OR d)",
        "NOT (a b) c",
        '-"open problem" title:(vision transformer) au:lecun',
        "cat:cs.* id:arXiv:2401.01234 diffus*",
        "announced:2025-03 submitted:..2024-06 updated:2024-01-05..",
        "x NOT (a OR b)",
    ],
)
def test_query_text_parses_back_to_the_same_query(query):
    """A corrected query is shown and linked as text: that text must mean the same."""
    node = parse_query(query)
    assert parse_query(query_text(node)) == node


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "corrected"),
    [
        ("gaussian splating", "gaussian splatting"),
        ("transfomer", "transformer"),
        ("difussion OR splating", "diffusion OR splatting"),
        ("title:splating author:LeCun", "title:splatting author:LeCun"),
        ("abs:splating", "abstract:splatting"),
        ("gaussian splatting", None),
        # In no title or abstract, one edit from "better", but an author's name.
        ("butter", None),
        ("title:butter", "title:better"),
        ("author:splating", None),
        ("-splating gaussian", None),
        ('"gaussian splating"', None),
        ("x" * 40, None),
    ],
)
def test_only_unknown_plain_words_are_corrected(index, query, corrected):
    found = correct(parse_query(query))
    assert (found and found.text) == corrected
    if found:
        assert parse_query(found.text) == found.node
