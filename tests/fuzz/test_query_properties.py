"""Hypothesis on the query language: whatever a reader types, the parser answers with a tree or
a QueryError (a 400 naming the problem), never another exception (a 500); and a query that
parses runs on the engine. (The renderer's properties are in tests/rendering/test_safety.py.)
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from search.query import (
    MAX_NESTING,
    MAX_QUERY_LENGTH,
    And,
    DateRange,
    Not,
    Or,
    Phrase,
    Prefix,
    QueryError,
    Term,
    parse_query,
)
from search.service import SearchInputError, SearchParams, build_request, search

NODES = (And, Or, Not, Term, Phrase, Prefix, DateRange)

# The language's own pieces, valid and not, so that many generated queries get deep into the
# parser instead of failing at the first character.
PIECES = st.sampled_from(
    [
        "(", ")", '"', '""', "OR", "AND", "NOT", "or", "-", "--", "*", ":", "..", "...",
        "title:", "ti:", "au:", "abs:", "comments:", "journal:", "cat:", "cat:cs.*", "cat:cs.",
        "id:", "id:arXiv:2401.01234", "doi:", "doi:10.1103/PhysRevD.1.1", "nosuch:",
        "announced:", "submitted:", "updated:", "2024", "2024-02", "2024-02-30", "2024-13",
        "0000", "9999-12-31", "..2025-06", "2024..", "2025..2024", "model", "vision", "the",
        "Schrödinger", "Schr\\\"odinger", "$\\alpha$", "$x^2$", "\\(", "\\)", "é", "日本語",
        "\t", "\n", "\x00", "\x7f", "\u200b", "\ufeff", "%", "\\", "'", "&", "<b>", "a*b",
    ]
)  # fmt: skip
QUERIES = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=40).flatmap(
    lambda parts: st.sampled_from(["", " "]).map(lambda glue: glue.join(parts))
)


def parses_or_refuses(text: str):
    try:
        node = parse_query(text)
    except QueryError as error:
        assert str(error)  # a message for the reader
        return None
    assert isinstance(node, NODES)
    return node


@given(st.text(max_size=MAX_QUERY_LENGTH + 20))
@example("(" * 249 + "a" + ")" * 249)  # found here: a RecursionError before MAX_NESTING
@example("NOT " * 124 + "a")
@example("-" * 499 + "a")
def test_any_text_is_a_tree_or_a_query_error(text):
    parses_or_refuses(text)


@given(QUERIES)
@settings(max_examples=500)
def test_query_shaped_text_is_a_tree_or_a_query_error(text):
    parses_or_refuses(text)


@given(st.integers(min_value=0, max_value=(MAX_QUERY_LENGTH - 1) // 2))
def test_nesting_is_limited_with_a_message(depth):
    text = "(" * depth + "a" + ")" * depth
    if depth <= MAX_NESTING:
        assert parse_query(text) == Term(None, "a")
    else:
        with pytest.raises(QueryError, match="nested more than"):
            parse_query(text)


@given(QUERIES)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_query_that_parses_runs_on_the_engine(index, text):
    """The backend translates every tree the parser makes; what it cannot run is a
    SearchInputError (a 400), never an exception of the engine."""
    try:
        results = search(build_request(SearchParams(q=text)))
        assert results.count >= 0
        assert len(results[0:25]) <= 25
    except SearchInputError as error:
        assert error.param == "q" and str(error)
