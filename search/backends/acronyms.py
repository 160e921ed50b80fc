"""Acronyms and their expansions, learned from the corpus ("large language models (LLMs)").

Authors define their acronyms in abstracts: an expansion followed by the acronym in
parentheses, whose letters are the expansion's initials. Counting those definitions over the
indexed papers gives a small table of the pairs many papers agree on, so a search for `LLM`
also finds "large language model" and the other way round, with no hand-written synonym list.
The table is written next to the index generation it was learned from (ACRONYMS_FILE) and grows
with incremental indexing (a re-indexed paper counts again until the next rebuild).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from search.backends.analysis import STOP_WORDS

ACRONYMS_FILE = "acronyms.json"
MIN_DEFINITIONS = 3  # papers defining a pair before it is trusted
MIN_SHARE = 0.5  # of the acronym's definitions that name this expansion
MAX_ENTRIES = 50_000
# An acronym in parentheses: two or more capitals, lowercase letters between (MoE, CoT, ViT),
# an optional plural s (LLMs).
_DEFINED = re.compile(r"\(([A-Z][A-Za-z]{1,9})\)")
_WORD = re.compile(r"[A-Za-z]+")
_LOOK_BACK = 120  # characters before the parenthesis where the expansion may start


def acronym_key(word: str) -> str:
    """How an acronym is looked up: lowercased, a plural s dropped ("LLMs" -> "llm")."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _letters(acronym: str) -> list[str]:
    """The initials an acronym may stand for: all its letters (MoE: m, o, e), or only its
    capitals (ViT: v, t)."""
    if acronym.endswith("s") and acronym[-2:-1].isupper():
        acronym = acronym[:-1]
    readings = [acronym.lower()]
    capitals = "".join(c for c in acronym if c.isupper()).lower()
    if capitals != readings[0]:
        readings.append(capitals)
    return [r for r in readings if len(r) >= 2]


def _expansion(before: str, letters: str) -> str | None:
    """The words ending `before` whose initials spell `letters`: every word counted, or the
    stop words skipped (reinforcement learning from human feedback: RLHF)."""
    words = list(_WORD.finditer(before))
    for skip_stops in (False, True):
        wanted = list(letters)
        start = None
        for match in reversed(words):
            word = match.group().lower()
            if skip_stops and word in STOP_WORDS:
                continue
            if not wanted or word[0] != wanted[-1]:
                break
            wanted.pop()
            start = match.start()
            if not wanted:
                break
        if not wanted and start is not None:
            text = before[start : words[-1].end()]
            if "(" in text or ")" in text or "," in text or "." in text or ";" in text:
                return None
            return " ".join(text.lower().split())
    return None


def definitions(text: str) -> Iterator[tuple[str, str]]:
    """(acronym key, expansion) of every acronym the text defines."""
    for match in _DEFINED.finditer(text):
        acronym = match.group(1)
        if sum(c.isupper() for c in acronym) < 2:
            continue
        before = text[max(0, match.start() - _LOOK_BACK) : match.start()].rstrip()
        for letters in _letters(acronym):
            expansion = _expansion(before, letters)
            if expansion:
                yield acronym_key(acronym), expansion
                break


def _expansion_key(expansion: str) -> str:
    """Expansions counted as one: case, hyphens and a final plural s do not matter."""
    words = expansion.replace("-", " ").split()
    if words and len(words[-1]) > 3 and words[-1].endswith("s"):
        words[-1] = words[-1][:-1]
    return " ".join(words)


class AcronymCounts:
    """Definitions seen in the indexed papers: acronym -> expansion key -> (count, text)."""

    def __init__(self, counts: dict[str, dict[str, list[Any]]] | None = None):
        self.counts: dict[str, dict[str, list[Any]]] = counts or {}

    def feed(self, texts: Iterable[str]) -> None:
        for text in texts:
            seen = set()
            for acronym, expansion in definitions(text):
                key = _expansion_key(expansion)
                if (acronym, key) in seen:  # a paper counts once per pair
                    continue
                seen.add((acronym, key))
                entry = self.counts.setdefault(acronym, {}).setdefault(key, [0, expansion])
                entry[0] += 1

    def watch(self, documents: Iterable[Any]) -> Iterator[Any]:
        """Pass the documents through, counting their definitions (a rebuild's stream)."""
        for doc in documents:
            self.feed([f"{doc.title}. {doc.abstract}"])
            yield doc

    def table(self) -> dict[str, str]:
        """The trusted pairs: acronym key -> expansion (its commonest spelling)."""
        out: dict[str, tuple[int, str]] = {}
        for acronym, expansions in self.counts.items():
            total = sum(n for n, _ in expansions.values())
            count, text = max(expansions.values(), key=lambda e: (e[0], e[1]))
            if count >= MIN_DEFINITIONS and count >= MIN_SHARE * total:
                out[acronym] = (count, text)
        best = sorted(out.items(), key=lambda kv: -kv[1][0])[:MAX_ENTRIES]
        return {acronym: text for acronym, (_, text) in best}

    def save(self, directory: Path) -> None:
        """Write the counts atomically into an index generation's directory (every pair, so
        incremental indexing can count on from where the rebuild stopped)."""
        path = directory / ACRONYMS_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.counts, separators=(",", ":")))
        os.replace(tmp, path)

    @classmethod
    def load(cls, directory: Path) -> AcronymCounts:
        try:
            return cls(json.loads((directory / ACRONYMS_FILE).read_text()))
        except (OSError, ValueError):
            return cls()


class Acronyms:
    """The trusted table of one index state, read once per change of its file."""

    def __init__(self) -> None:
        self._state: tuple[str, float] | None = None
        self.table: dict[str, str] = {}
        self.by_expansion: dict[tuple[str, ...], str] = {}

    def refresh(self, directory: Path, analyse) -> None:
        """Reload when the file changed; `analyse(text)` gives an expansion's index forms."""
        path = directory / ACRONYMS_FILE
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = 0.0
        if self._state == (str(directory), mtime):
            return
        self._state = (str(directory), mtime)
        self.table = AcronymCounts.load(directory).table() if mtime else {}
        by_expansion: dict[tuple[str, ...], str] = {}
        for acronym, expansion in self.table.items():
            forms = tuple(analyse(expansion))
            if len(forms) >= 2:
                by_expansion.setdefault(forms, acronym)
        self.by_expansion = by_expansion


def count_new(directory: Path, documents: Iterable[Any]) -> None:
    """Add the definitions of newly indexed papers to a generation's counts."""
    counts = AcronymCounts.load(directory)
    counts.feed(f"{doc.title}. {doc.abstract}" for doc in documents)
    counts.save(directory)
