"""What a query means whichever engine answers it: the fields a query field names, the default
fields and their weights, the stop words, and which words of a text a request's terms mark.

Each engine analyses text its own way (Whoosh in Python, tantivy in Rust); sharing these keeps
a search and its highlighting the same when SEARCH_BACKEND changes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

from coolpapers.papers.text import tex_accents_to_unicode
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


# --- text as both sides of the index see it ---------------------------------------------------
# British spellings of common word endings, rewritten to the American form on both sides of the
# index (documents and queries), before stemming: optimisation/optimization, modelling/modeling,
# behaviour/behavior, analyse/analyze, centre/center, catalogue/catalog, defence/defense. Rules,
# not a word list: a word both spellings rewrite alike matches itself, so a rule that also hits
# a word with no American variant (precise -> precize) changes nothing a reader can see.
_AMERICAN_RULES = (
    (re.compile(r"^([a-z]{3,})is(ation|ations|e|es|ed|ing|er|ers)$"), r"\1iz\2"),
    (re.compile(r"^([a-z]{2,})ys(e|es|ed|ing|er|ers)$"), r"\1yz\2"),
    (re.compile(r"^([a-z]{3,})our(s|ed|ing|ite|ites|able|ful|less)?$"), r"\1or\2"),
    (re.compile(r"^([a-z]{2,}[tb])re(s|d)?$"), r"\1er\2"),
    (re.compile(r"^([a-z]{3,}e)ll(ed|ing|er|ers)$"), r"\1l\2"),
    (re.compile(r"^([a-z]{3,})ogue(s)?$"), r"\1og\2"),
    (re.compile(r"^([a-z]*)fence(s)?$"), r"\1fense\2"),
)
# Words that may need a rule, found in a text without a Python call per word.
_AMERICAN_CANDIDATE = re.compile(
    r"(?<!\w)[A-Za-z]{2,}(?:is(?:ation|ations|e|es|ed|ing|er|ers)|ys(?:e|es|ed|ing|er|ers)"
    r"|our(?:s|ed|ing|ite|ites|able|ful|less)?|[tb]r(?:e|es|ed)|ell(?:ed|ing|er|ers)"
    r"|ogues?|fences?)(?!\w)"
)


@functools.lru_cache(maxsize=100_000)
def american(word: str) -> str:
    """The American spelling of a lowercased English word by rule ("modelling" -> "modeling");
    other words unchanged."""
    for pattern, replacement in _AMERICAN_RULES:
        if pattern.match(word):
            return pattern.sub(replacement, word)
    return word


def _american_match(match: re.Match[str]) -> str:
    word = match.group()
    lowered = word.lower()
    changed = american(lowered)
    return word if changed == lowered else changed


def prepare(text: str, english: bool = True) -> str:
    """Text as the index reads it, for documents and queries alike: TeX accents as letters
    (Schr\\"odinger), compatibility forms composed (the ligature "ﬁ" as "fi", "²" as "2") and,
    for English text (not names), British endings in their American form."""
    if not text:
        return text
    text = tex_accents_to_unicode(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _AMERICAN_CANDIDATE.sub(_american_match, text) if english else text


# A hyphenated compound of words: "self-supervised", "mixture-of-experts".
_COMPOUND = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?:-[A-Za-z]{2,}){1,3}(?![\w-])")


def with_joined_compounds(text: str) -> str:
    """`text` and, after it, its hyphenated compounds written as one word ("selfsupervised"),
    so a paper writing "pre-trained" is found by "pretrained" too. Appended, not interleaved:
    the words' positions, and so every phrase, stay as the text has them."""
    joined = dict.fromkeys(m.group().replace("-", "").lower() for m in _COMPOUND.finditer(text))
    return f"{text}\n{' '.join(joined)}" if joined else text
