"""The query language: what parses to what, and a clear message for everything that doesn't."""

from __future__ import annotations

from datetime import date

import pytest

from search.query import And, DateRange, Not, Or, Phrase, Prefix, QueryError, Term, parse_query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("diffusion", Term(None, "diffusion")),
        ("diffusion model", And((Term(None, "diffusion"), Term(None, "model")))),
        ("diffusion AND model", And((Term(None, "diffusion"), Term(None, "model")))),
        ('"exact phrase"', Phrase(None, "exact phrase")),
        ("llm OR gpt", Or((Term(None, "llm"), Term(None, "gpt")))),
        ("llm -survey", And((Term(None, "llm"), Not(Term(None, "survey"))))),
        ("llm NOT survey", And((Term(None, "llm"), Not(Term(None, "survey"))))),
        (
            "(a OR b) c",
            And((Or((Term(None, "a"), Term(None, "b"))), Term(None, "c"))),
        ),
        ("title:transformer", Term("title", "transformer")),
        ("ti:transformer", Term("title", "transformer")),
        ('author:"Yann LeCun"', Phrase("author", "Yann LeCun")),
        ("au:Schrödinger", Term("author", "Schrödinger")),
        ("cat:cs.CL", Term("cat", "cs.CL")),
        ("cat:cs.*", Prefix("cat", "cs.")),
        ("diffus*", Prefix(None, "diffus")),
        ("id:2401.01234", Term("id", "2401.01234")),
        ("doi:10.1103/PhysRevC.76.024606", Term("doi", "10.1103/PhysRevC.76.024606")),
        ("comments:ICML", Term("comments", "ICML")),
        ("journal:JHEP", Term("journal", "JHEP")),
        (
            "title:(graph neural)",
            And((Term("title", "graph"), Term("title", "neural"))),
        ),
        (
            "announced:2026-08-10..2026-08-21",
            DateRange("announced", date(2026, 8, 10), date(2026, 8, 21)),
        ),
        ("submitted:2024", DateRange("submitted", date(2024, 1, 1), date(2024, 12, 31))),
        ("updated:..2025-02", DateRange("updated", None, date(2025, 2, 28))),
        ("announced:2026-08..", DateRange("announced", date(2026, 8, 1), None)),
        ("state-of-the-art", Term(None, "state-of-the-art")),
        ("ratio 3:1", And((Term(None, "ratio"), Term(None, "3:1")))),
        (r"$\alpha$-divergence", Term(None, r"$\alpha$-divergence")),
    ],
)
def test_parses(text, expected):
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the query is empty"),
        ("   ", "the query is empty"),
        ("x" * 501, "501 characters long; the limit is 500"),
        ('"unbalanced', 'unbalanced quote: the " at position 1 is never closed'),
        ('a "b c', "at position 3 is never closed"),
        ("(a b", "unbalanced parenthesis: '(' at position 1 is never closed"),
        ("a b)", "')' at position 4 has no '('"),
        ("a OR", "'OR' at position 3 needs a term after it"),
        ("OR a", "'OR' at position 1 needs a term before it"),
        ("AND a", "'AND' at position 1 needs a term before it"),
        ("a AND", "'AND' at position 3 needs a term after it"),
        ("a NOT", "'NOT' at position 3 needs a term after it"),
        ("-survey", "only excludes"),
        ("NOT a OR NOT b", "only excludes"),
        ("titel:x", "unknown field 'titel:'"),
        ("title:", "unknown field"),  # "title:" with nothing after is plain text, not a field
        ("announced:2026-13", "'2026-13' is not a valid date"),
        ("announced:yesterday", "'yesterday' is not a date"),
        ("announced:2026-02..2026-01", "ends before it starts"),
        ("submitted:..", "needs at least one date"),
        ('""', 'empty phrase "" at position 1'),
        ("title:(a title:b)", "is inside 'title:'"),
        ("announced:(2024)", "takes a date or a range"),
        ("*", "needs letters before the *"),
        ("a\x00b", "control characters"),
        ("ab*", "a prefix search needs at least 3 letters before the *"),
        (
            " OR ".join(
                f"{w}*" for w in ["mod", "lea", "dat", "net", "met", "res", "bas", "per", "app"]
            ),
            "at most 8 prefix searches",
        ),
        ('"' + " ".join(["model"] * 25) + '"', "has 25 words; a quoted phrase may have at most 24"),
    ],
)
def test_errors_name_the_problem(text, message):
    if text == "title:":
        # A bare "title:" is a word, so this one parses; make sure it does not crash.
        assert parse_query(text) == Term(None, "title:")
        return
    with pytest.raises(QueryError) as error:
        parse_query(text)
    assert message in str(error.value)


def test_query_error_is_a_value_error():
    assert issubclass(QueryError, ValueError)
