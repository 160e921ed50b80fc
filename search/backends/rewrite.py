"""A query read the way a person meant it, the same for every engine, before the engine runs it.

- A word the index cannot hold (a stop word: "of", "is") is no required term in any field, the
  authors' names included.
- An acronym the corpus defines also finds its expansion's words (`LLM` finds "large language
  model"), and the expansion's words in a row also find the acronym.
- Split and joined forms meet: `self-supervised` also finds "selfsupervised" where the index
  has it (documents add their hyphenated compounds as one word, so `pretrained` finds
  "pre-trained"), and a `selfsupervised` the index does not have is read as "self supervised".
  A hyphenated or split word asks for its parts in the same paper, not next to each other.
- The plain words of the query (no field, not quoted, not negated) are its *units*: strict AND
  comes first, and when it finds fewer than RELAX_BELOW papers the engine adds the papers with
  most of the units after them (see `Plan`). Phrases, field terms, prefixes, exclusions and the
  request's filters stay required.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol

from search.backends.acronyms import Acronyms, acronym_key
from search.query import And, Node, Not, Or, Phrase, Term

RELAX_BELOW = 10  # strict matches under which partial matches are added after them
# Units past which a query is not relaxed: a pasted title has about 15, and relaxing 70 common
# words (a 500-character query) took tantivy 2 s, which its Rust search cannot stop midway.
MAX_RELAX_UNITS = 24
MIN_SPLIT_PART = 4  # letters of each half when an unknown word is read as two words
MAX_EXPANSION_WORDS = 6
# Ranks partial matches by how many units they hold, BM25 deciding within: larger than any
# sum of BM25 scores a query of MAX_QUERY_LENGTH characters can reach.
UNIT_WEIGHT = 10_000.0
# Added to the papers whose title holds every unit (a pasted title finds its paper first).
TITLE_BONUS = 20.0
_JOINABLE = re.compile(r"^[A-Za-z]+$")


class Lexicon(Protocol):
    """What rewriting asks an engine: its analysis and its vocabulary."""

    acronyms: Acronyms

    def forms(self, field: str, text: str) -> list[str]:
        """The index forms of `text` in `field` (stop words left out)."""

    def frequency(self, field: str, form: str) -> int:
        """Papers whose `field` holds the index form."""


@dataclass(frozen=True)
class Plan:
    """How an engine runs a query: `query` strictly (None when it is only stop words); when
    that finds fewer than RELAX_BELOW papers and there are two units or more, also the papers
    that hold every `required` part and at least `min_match` units, after the strict ones."""

    query: Node | None
    units: tuple[Node, ...] = ()
    required: tuple[Node, ...] = ()
    title: Node | None = None  # every unit in the title

    @property
    def relaxable(self) -> bool:
        return 2 <= len(self.units) <= MAX_RELAX_UNITS

    @property
    def min_match(self) -> int:
        return max(1, math.ceil(len(self.units) / 2))


def _known(lexicon: Lexicon, form: str) -> int:
    return lexicon.frequency("title", form) + lexicon.frequency("abstract", form)


def split_word(lexicon: Lexicon, word: str) -> str | None:
    """`word` as two known words ("selfsupervised" -> "self supervised"), the best-attested
    split, or None."""
    if not _JOINABLE.match(word) or len(word) < 2 * MIN_SPLIT_PART:
        return None
    best, best_df = None, 0
    for at in range(MIN_SPLIT_PART, len(word) - MIN_SPLIT_PART + 1):
        left = lexicon.forms("title", word[:at])
        right = lexicon.forms("title", word[at:])
        if len(left) != 1 or len(right) != 1:
            continue
        df = min(_known(lexicon, left[0]), _known(lexicon, right[0]))
        if df > best_df:
            best, best_df = f"{word[:at]} {word[at:]}", df
    return best


def _word(lexicon: Lexicon, node: Term) -> Node | None:
    """A plain word with the forms that mean the same; None for a stop word."""
    forms = lexicon.forms("title", node.text)
    if not forms:
        return None
    if len(forms) > 1:  # a hyphenated word: its parts, or the parts written as one word
        # Every part, not the phrase: Whoosh checks a phrase's positions in Python in every
        # paper holding its words (two hyphenated words of a pasted title cost 560 ms at 133k
        # papers), and a paper with both parts is about the compound all but always.
        parts = _all_of(lexicon, re.split(r"[\W_]+", node.text))
        acronym = lexicon.acronyms.by_expansion.get(tuple(forms))
        if acronym:
            return Or((parts, Term(None, acronym)))
        joined = re.sub(r"\W", "", node.text)
        joined_forms = lexicon.forms("title", joined)
        if len(joined_forms) == 1 and _known(lexicon, joined_forms[0]):
            return Or((parts, Term(None, joined)))
        return parts
    expansion = lexicon.acronyms.table.get(acronym_key(node.text))
    if expansion and node.text.isalpha():
        # Its words, not the phrase: Whoosh checks a phrase's positions in Python in every
        # paper holding its words (20,000 for "large language model"), 300 ms and more.
        words = [w for w in re.split(r"[\s-]+", expansion) if lexicon.forms("title", w)]
        return Or((node, And(tuple(Term(None, w) for w in words))))
    if (
        not _known(lexicon, forms[0])
        and not any(lexicon.frequency("authors", f) for f in lexicon.forms("authors", node.text))
        and (split := split_word(lexicon, node.text))
    ):
        return _all_of(lexicon, split.split())
    return node


def _all_of(lexicon: Lexicon, words: list[str]) -> Node:
    """Every word that the index can hold (one Term, or their And)."""
    terms = tuple(Term(None, w) for w in words if w and lexicon.forms("title", w))
    return terms[0] if len(terms) == 1 else And(terms)


def _phrase(lexicon: Lexicon, node: Phrase) -> Node:
    acronym = lexicon.acronyms.by_expansion.get(tuple(lexicon.forms("title", node.text)))
    return Or((node, Term(None, acronym))) if acronym else node


def rewrite(lexicon: Lexicon, node: Node) -> Node | None:
    """The query tree with stop words gone and equivalent forms added; None if nothing is
    left."""
    if isinstance(node, Term) and node.field is None:
        return _word(lexicon, node)
    if isinstance(node, Phrase) and node.field is None:
        return _phrase(lexicon, node)
    if isinstance(node, And):
        children = [c for c, _ in _grouped(lexicon, list(node.children))]
        return children[0] if len(children) == 1 else (And(tuple(children)) if children else None)
    if isinstance(node, Or):
        children = [c for child in node.children if (c := rewrite(lexicon, child)) is not None]
        return children[0] if len(children) == 1 else (Or(tuple(children)) if children else None)
    if isinstance(node, Not):
        child = rewrite(lexicon, node.child)
        return Not(child) if child is not None else None
    return node


def _plain_forms(lexicon: Lexicon, node: Node) -> tuple[str, ...]:
    if isinstance(node, Term) and node.field is None:
        return tuple(lexicon.forms("title", node.text))
    return ()


def _grouped(lexicon: Lexicon, children: list[Node]) -> list[tuple[Node, bool]]:
    """An AND's children rewritten, each with whether it is a unit (made of plain words).
    Runs of plain words that spell a known expansion ("reinforcement learning from human
    feedback") also find its acronym."""
    out: list[tuple[Node, bool]] = []
    run: list[Term] = []  # consecutive plain words, stop words left out

    def flush() -> None:
        out.extend((node, True) for node in _run(lexicon, run))
        run.clear()

    for child in children:
        if isinstance(child, Term) and child.field is None:
            if lexicon.forms("title", child.text):
                run.append(child)
            continue  # a stop word goes, and does not break the run ("learning from human")
        flush()
        if (rewritten := rewrite(lexicon, child)) is not None:
            out.append((rewritten, False))
    flush()
    return out


def _run(lexicon: Lexicon, run: list[Term]) -> list[Node]:
    forms = [_plain_forms(lexicon, t) for t in run]
    out: list[Node] = []
    i = 0
    while i < len(run):
        for size in range(min(MAX_EXPANSION_WORDS, len(run) - i), 1, -1):
            key = tuple(form for word in forms[i : i + size] for form in word)
            acronym = lexicon.acronyms.by_expansion.get(key)
            if acronym:
                # Each word as _word reads it: a hyphenated one as its parts, never a phrase.
                words = tuple(w for t in run[i : i + size] if (w := _word(lexicon, t)))
                out.append(Or((And(words), Term(None, acronym))))
                i += size
                break
        else:
            word = _word(lexicon, run[i])
            if word is not None:
                out.append(word)
            i += 1
    return out


def _in_title(node: Node) -> Node:
    if isinstance(node, Term | Phrase) and node.field is None:
        return type(node)("title", node.text)
    if isinstance(node, And):
        return And(tuple(_in_title(c) for c in node.children))
    if isinstance(node, Or):
        return Or(tuple(_in_title(c) for c in node.children))
    return node


def plan(lexicon: Lexicon, query: Node) -> Plan:
    """The query rewritten, and its units when it is an AND (or one plain word)."""
    if isinstance(query, Or):
        return Plan(rewrite(lexicon, query))
    parts = _grouped(lexicon, list(query.children) if isinstance(query, And) else [query])
    if not parts:
        return Plan(None)
    nodes = [node for node, _ in parts]
    strict = nodes[0] if len(nodes) == 1 else And(tuple(nodes))
    units = tuple(node for node, unit in parts if unit)
    required = tuple(node for node, unit in parts if not unit)
    title = And(tuple(_in_title(u) for u in units)) if len(units) >= 2 else None
    return Plan(strict, units, required, title)
