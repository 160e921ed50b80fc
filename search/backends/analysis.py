"""What a query means whichever engine answers it: the fields a query field names, the default
fields and their weights, the stop words, and which words of a text a request's terms mark.

Each engine analyses text its own way (Whoosh in Python, tantivy in Rust); sharing these keeps
a search and its highlighting the same when SEARCH_BACKEND changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from search.query import And, Node, Or, Phrase, Prefix, Term

# Whoosh's English stop list (whoosh.analysis.STOP_WORDS): the words neither engine indexes.
# fmt: off
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in",
    "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to", "us", "we",
    "when", "will", "with", "yet", "you", "your",
))
# fmt: on
FIELD_BOOSTS = {"title": 2.5, "abstract": 1.0, "authors": 2.0, "comments": 0.5, "journal": 0.5}
DEFAULT_FIELDS = ("title", "abstract", "authors")
QUERY_FIELD = {
    "title": "title",
    "abstract": "abstract",
    "author": "authors",
    "comments": "comments",
    "journal": "journal",
}
MAX_PREFIX_TERMS = 500

Spans = Callable[[str], list[tuple[int, int]]]
# A text's words as (index form, start, end); the form is "" for a word the index drops.
Words = Callable[[str], Iterable[tuple[str, int, int]]]


def positive_nodes(node: Node) -> list[Term | Phrase | Prefix]:
    """The terms a hit may contain (everything not under a NOT)."""
    if isinstance(node, Term | Phrase | Prefix):
        return [node]
    if isinstance(node, And | Or):
        return [t for child in node.children for t in positive_nodes(child)]
    return []


def marking_terms(query: Node, field: str) -> tuple[list[str], list[str]]:
    """The texts of the query's positive words and phrases that search `field` (to analyse as
    the field is), and its prefixes, lowercased."""
    texts: list[str] = []
    prefixes: list[str] = []
    for node in positive_nodes(query):
        if node.field is None and field not in DEFAULT_FIELDS:
            continue
        if node.field and QUERY_FIELD.get(node.field) != field:
            continue
        if isinstance(node, Prefix):
            prefixes.append(node.text.lower())
        else:
            texts.append(node.text)
    return texts, prefixes


def marks(wanted: set[str], prefixes: list[str]) -> Callable[[str], bool]:
    """Whether a word's index form is one of `wanted` or starts with a prefix ("" never)."""

    def marked(form: str) -> bool:
        return bool(form) and (form in wanted or any(form.startswith(p) for p in prefixes))

    return marked


def span_finder(words: Words, wanted: set[str], prefixes: list[str]) -> Spans:
    """Spans of the words whose index form is one of `wanted` or starts with a prefix."""
    marked = marks(wanted, prefixes)

    def spans(text: str) -> list[tuple[int, int]]:
        return [(start, end) for form, start, end in words(text) if marked(form)]

    return spans
