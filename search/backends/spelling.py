"""Spelling suggestions whose cost does not grow with the word or the corpus.

Both engines' own correctors walk a Levenshtein automaton of the whole word over the term
dictionary: a 499-letter word took 9 s on 2,722 papers and ~100 s on 133,000. Here a word is
looked up instead of searched for (the symmetric-delete idea of SymSpell): every vocabulary
word is indexed under itself and each of its one-letter deletions, and a reader's word probes
that index with itself and its deletions of up to two letters. Probes and index keys are
Python string hashes in one sorted NumPy array, so a lookup is a few hundred binary searches
whatever the corpus size, and words longer than MAX_WORD get no suggestion at all.

A vocabulary word is found when it is one edit (a letter added, dropped, replaced, or two
neighbours swapped) from the reader's word, or two edits of which one is a letter too many in
the reader's word. Among those found the nearest wins, then the most frequent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from search.backends.base import check_deadline, under_deadline

log = logging.getLogger(__name__)

MIN_WORD = 3  # shorter words have too many neighbours to guess from
MAX_WORD = 32  # longer is not a word a reader misspelled (and would cost more to probe)
MAX_DISTANCE = 2
MAX_CANDIDATES = 256  # vocabulary words verified per suggestion, at most


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def spellable(word: str) -> bool:
    """Whether a word can be suggested or get a suggestion (letters only, sane length)."""
    return MIN_WORD <= len(word) <= MAX_WORD and word.isalpha()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with a swap of neighbours as one edit (optimal string alignment)."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            row.append(cost)
        before, previous = previous, row
    return previous[-1]


class Speller:
    """Suggestions from (word, document frequency) pairs: an engine's title vocabulary.

    Built once per index state (about a second for 130,000 titles); a suggestion then costs
    well under a millisecond.
    """

    def __init__(self, vocabulary: Iterable[tuple[str, int]]):
        frequency: dict[str, int] = {}
        for word, count in vocabulary:
            if spellable(word):
                frequency[word] = frequency.get(word, 0) + count
        self.words = sorted(frequency)
        self.frequency = np.array([frequency[w] for w in self.words], dtype=np.int64)
        self.known = frequency
        keys: list[int] = []
        owners: list[int] = []
        for number, word in enumerate(self.words):
            forms = _deletions(word)
            forms.add(word)
            keys.extend(hash(form) for form in forms)
            owners.extend([number] * len(forms))
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
        self.keys = np.array(keys, dtype=np.int64)[order]
        self.owners = np.array(owners, dtype=np.int32)[order]

    def __len__(self) -> int:
        return len(self.words)

    def suggest(self, word: str) -> str | None:
        """The nearest, then most frequent, vocabulary word within two edits; None for a word
        the vocabulary has, one it cannot spell, or one with nothing near."""
        if not spellable(word) or word in self.known or not len(self.keys):
            return None
        first = _deletions(word)
        probes = {word, *first, *(d for one in first for d in _deletions(one))}
        hashes = np.array([hash(p) for p in probes], dtype=np.int64)
        starts = np.searchsorted(self.keys, hashes, side="left")
        ends = np.searchsorted(self.keys, hashes, side="right")
        found: set[int] = set()
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            found.update(self.owners[start:end].tolist())
        check_deadline()
        # The most frequent first, so a cap keeps the words worth suggesting.
        ranked = sorted(found, key=lambda n: -self.frequency[n])[:MAX_CANDIDATES]
        best: tuple[int, int, str] | None = None
        for number in ranked:
            candidate = self.words[number]
            if abs(len(candidate) - len(word)) > MAX_DISTANCE:
                continue
            distance = edit_distance(candidate, word)
            if distance <= MAX_DISTANCE:
                key = (distance, -int(self.frequency[number]), candidate)
                if best is None or key < best:
                    best = key
        return best[2] if best else None


class SpellingWatch:
    """Set by SpellerCache when a suggestion was asked while the speller of the index in use
    was still being built: the answer may gain a correction seconds later."""

    provisional = False


_WATCH: ContextVar[SpellingWatch | None] = ContextVar("spelling_watch", default=None)


@contextmanager
def watch_spelling() -> Iterator[SpellingWatch]:
    """Notes whether any suggestion in the block came without the current speller, so a page
    made that way is not cached (a web process corrects nothing for its first seconds, and a
    cached page would keep that for minutes)."""
    watch = SpellingWatch()
    token = _WATCH.set(watch)
    try:
        yield watch
    finally:
        _WATCH.reset(token)


class SpellerCache:
    """An engine's speller for the index state in use.

    Building one reads the whole title vocabulary: 3 to 5 s at 133,000 papers, more than a
    search's whole time budget. So under a request's deadline a missing or outdated speller is
    built in a background thread, and the request goes on with the previous one (or without
    suggestions); outside a request (commands, tests, benchmarks) it is built at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: tuple[Hashable, Speller] | None = None
        self._building: Hashable | None = None

    def get(
        self, state: Hashable, vocabulary: Callable[[], Iterable[tuple[str, int]]]
    ) -> Speller | None:
        with self._lock:
            ready = self._ready
            if ready is not None and ready[0] == state:
                return ready[1]
            if not under_deadline():
                speller = Speller(vocabulary())
                self._ready = (state, speller)
                return speller
            if self._building != state:
                self._building = state
                threading.Thread(
                    target=self._build, args=(state, vocabulary), name="speller", daemon=True
                ).start()
            watch = _WATCH.get()
            if watch is not None:
                watch.provisional = True
            return ready[1] if ready else None

    def _build(self, state: Hashable, vocabulary: Callable[[], Iterable[tuple[str, int]]]):
        speller = None
        try:
            speller = Speller(vocabulary())
        except Exception:  # the index changed under the build: the next request starts again
            log.warning("building the spelling index failed", exc_info=True)
        with self._lock:
            if speller is not None:
                self._ready = (state, speller)
            if self._building == state:
                self._building = None
