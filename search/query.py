"""The search query language, the same on the search page and in the API.

    diffusion model              all words must match (title, abstract, authors)
    "exact phrase"               a phrase
    llm OR "language model"      either side
    -survey, NOT survey          exclusion
    (a OR b) c                   grouping
    title: abstract: author: comments: journal: doi: id: cat:cs.CL cat:cs.*
    announced:2026-08-10..2026-08-21  submitted:2024  updated:..2025-06

Parsing gives a small tree of nodes that each backend translates; anything that cannot be
parsed raises QueryError with a message naming the problem.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MAX_QUERY_LENGTH = 500
# The parser recurses per parenthesis: 249 of them fit in 500 characters and overflowed
# Python's stack (a RecursionError, a 500) before this limit.
MAX_NESTING = 32
# Bounds on what one query may ask the engine to do, whatever its length: each prefix expands
# to up to MAX_PREFIX_TERMS index terms, and a phrase is checked position by position in every
# paper holding all its words (60 two-letter prefixes ORed took 5 s at 133k papers, a
# 60-word phrase of common words 21 s; no reader's query comes close to these limits).
MAX_PREFIXES = 8
MIN_PREFIX_LETTERS = 3  # in text fields; exact fields (cat:cs.*, id:2401*) take one
MAX_PHRASE_WORDS = 24
TEXT_FIELDS = ("title", "abstract", "author", "comments", "journal")
EXACT_FIELDS = ("cat", "id", "doi")
DATE_FIELDS = ("announced", "submitted", "updated")
FIELDS = TEXT_FIELDS + EXACT_FIELDS + DATE_FIELDS
FIELD_ALIASES = {
    "au": "author",
    "authors": "author",
    "ti": "title",
    "abs": "abstract",
    "category": "cat",
    "co": "comments",
    "jr": "journal",
    "journal-ref": "journal",
}


class QueryError(ValueError):
    """The query cannot be used; the message says why, in words for the reader."""


@dataclass(frozen=True)
class Term:
    field: str | None  # None: the default fields
    text: str


@dataclass(frozen=True)
class Phrase:
    field: str | None
    text: str


@dataclass(frozen=True)
class Prefix:
    field: str | None
    text: str  # without the trailing *


@dataclass(frozen=True)
class DateRange:
    field: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Term | Phrase | Prefix | DateRange | And | Or | Not

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<phrase>"[^"]*")
  | (?P<quote>")
  | (?P<field>[A-Za-z][A-Za-z-]*):(?=\S)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int
    negated: bool = False


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None  # the word alternative matches any other character
        kind = m.lastgroup or "word"
        value = m.group()
        if kind == "quote":
            raise QueryError(f'unbalanced quote: the " at position {pos + 1} is never closed')
        if kind == "field" and tokens_end_field(tokens):
            # A value may contain a colon (id:arXiv:2401.01234): it is a word, not a field.
            m = re.compile(r"[^\s()\"]+").match(text, pos)
            kind, value = "word", m.group()
        elif kind == "field":
            name = m.group("field").lower()
            name = FIELD_ALIASES.get(name, name)
            if name not in FIELDS:
                raise QueryError(
                    f"unknown field '{m.group('field')}:'; fields are " + ", ".join(FIELDS)
                )
            value = name
        if (
            kind == "word"
            and value.startswith("-")
            and len(value) > 1
            and not tokens_end_field(tokens)
        ):
            tokens.append(_Tok("not", "-", pos))
            pos += 1
            continue
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value.lower()
        if kind != "space":
            tokens.append(_Tok(kind, value, pos))
        pos = m.end()
    return tokens


def tokens_end_field(tokens: list[_Tok]) -> bool:
    return bool(tokens) and tokens[-1].kind == "field"


class _Parser:
    def __init__(self, tokens: list[_Tok]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.prefixes = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.or_expr(None)
        tok = self.peek()
        if tok is not None:
            if tok.kind == "rparen":
                raise QueryError(
                    f"unbalanced parenthesis: ')' at position {tok.pos + 1} has no '('"
                )
            raise QueryError(f"unexpected '{tok.text}' at position {tok.pos + 1}")
        return node

    def or_expr(self, field: str | None) -> Node:
        parts = [self.and_expr(field)]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.take()
            if self.peek() is None or self.peek().kind in ("rparen", "or", "and"):
                raise QueryError(f"'OR' at position {tok.pos + 1} needs a term after it")
            parts.append(self.and_expr(field))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self, field: str | None) -> Node:
        parts: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind not in ("rparen", "or"):
            if tok.kind == "and":
                self.take()
                if not parts:
                    raise QueryError(f"'AND' at position {tok.pos + 1} needs a term before it")
                nxt = self.peek()
                if nxt is None or nxt.kind in ("rparen", "or", "and"):
                    raise QueryError(f"'AND' at position {tok.pos + 1} needs a term after it")
                continue
            parts.append(self.unary(field))
        if not parts:
            tok = self.peek()
            if tok is None:
                raise QueryError("the query has no search terms")
            raise QueryError(f"'{tok.text}' at position {tok.pos + 1} needs a term before it")
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self, field: str | None) -> Node:
        tok = self.peek()
        assert tok is not None
        if tok.kind == "not":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or", "and"):
                raise QueryError(f"'{tok.text}' at position {tok.pos + 1} needs a term after it")
            return Not(self.unary(field))
        return self.primary(field)

    def primary(self, field: str | None) -> Node:
        tok = self.take()
        if tok.kind == "lparen":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise QueryError(
                    f"parentheses nested more than {MAX_NESTING} deep at position {tok.pos + 1}"
                )
            node = self.or_expr(field)
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise QueryError(
                    f"unbalanced parenthesis: '(' at position {tok.pos + 1} is never closed"
                )
            self.take()
            self.depth -= 1
            return node
        if tok.kind == "field":
            if field is not None:
                raise QueryError(
                    f"field '{tok.text}:' at position {tok.pos + 1} is inside '{field}:'"
                )
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("word", "phrase", "lparen"):
                raise QueryError(f"'{tok.text}:' at position {tok.pos + 1} needs a value")
            if nxt.kind == "lparen":
                if tok.text in DATE_FIELDS:
                    raise QueryError(f"'{tok.text}:' takes a date or a range like 2024-01..2024-06")
                return self.primary(tok.text)
            return self.value(tok.text, self.take())
        if tok.kind in ("word", "phrase"):
            return self.value(field, tok)
        raise QueryError(f"unexpected '{tok.text}' at position {tok.pos + 1}")

    def value(self, field: str | None, tok: _Tok) -> Node:
        if field in DATE_FIELDS:
            return _date_range(field, tok.text.strip('"'))
        if tok.kind == "phrase":
            text = tok.text[1:-1].strip()
            if not text:
                raise QueryError(f'empty phrase "" at position {tok.pos + 1}')
            if len(text.split()) > MAX_PHRASE_WORDS:
                raise QueryError(
                    f"the phrase at position {tok.pos + 1} has {len(text.split())} words; "
                    f"a quoted phrase may have at most {MAX_PHRASE_WORDS}"
                )
            return Phrase(field, text)
        text = tok.text
        stem = text.rstrip("*")
        if text.endswith("*") and stem:
            if field not in EXACT_FIELDS and len(stem) < MIN_PREFIX_LETTERS:
                raise QueryError(
                    f"'{text}' at position {tok.pos + 1}: a prefix search needs at least "
                    f"{MIN_PREFIX_LETTERS} letters before the *"
                )
            self.prefixes += 1
            if self.prefixes > MAX_PREFIXES:
                raise QueryError(
                    f"'{text}' at position {tok.pos + 1}: at most {MAX_PREFIXES} prefix "
                    "searches (word*) in one query"
                )
            return Prefix(field, stem)
        if text.strip("*") == "":
            raise QueryError(f"'{text}' at position {tok.pos + 1} needs letters before the *")
        return Term(field, text)


def _parse_date(text: str, end: bool) -> date:
    m = _DATE.match(text)
    if not m:
        raise QueryError(f"'{text}' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, int(month))[1]
            return date(year, int(month), last if end else 1)
        return date(year, int(month), int(day))
    except ValueError as exc:
        raise QueryError(f"'{text}' is not a valid date: {exc}") from exc


def _date_range(field: str, text: str) -> DateRange:
    if ".." in text:
        start_text, _, end_text = text.partition("..")
        start = _parse_date(start_text, end=False) if start_text else None
        end = _parse_date(end_text, end=True) if end_text else None
        if start is None and end is None:
            raise QueryError(f"'{field}:..' needs at least one date")
    else:
        start, end = _parse_date(text, end=False), _parse_date(text, end=True)
    if start and end and start > end:
        raise QueryError(f"'{field}:{text}' ends before it starts")
    return DateRange(field, start, end)


def parse_query(text: str) -> Node:
    """Parse a reader's query; QueryError says what is wrong."""
    if text is None or not text.strip():
        raise QueryError("the query is empty")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"the query is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}"
        )
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise QueryError("the query contains control characters")
    node = _Parser(_tokenize(text)).parse()
    if not _has_positive(node):
        raise QueryError("the query only excludes; add at least one term to search for")
    return node


def _has_positive(node: Node) -> bool:
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(c) for c in node.children)
    if isinstance(node, Or):
        return all(_has_positive(c) for c in node.children)
    return True


def positive_terms(node: Node) -> list[tuple[str | None, str]]:
    """(field, text) of every term a hit may contain: what highlighting marks."""
    if isinstance(node, Term | Phrase | Prefix):
        return [(node.field, node.text)]
    if isinstance(node, And | Or):
        return [t for child in node.children for t in positive_terms(child)]
    return []
