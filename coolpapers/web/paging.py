"""Page numbers: reading `?page=` and numbering a page's entries, the same on every list
(daily lists, search results, related papers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar


class BadPage(ValueError):
    """`?page=` is not a page number in range; the caller says what the range is."""


def parse_page(text: str | None, last: int) -> int:
    """`?page=` as a number from 1 to `last`; missing or empty means the first page."""
    if text is None or text == "":
        return 1
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= last:
        raise BadPage(text[:40])
    return int(text)


class Numbered:
    """The place in the whole list of a page's first and last entries (1-based), for a page
    class with `number`, `entries` and its `size`."""

    size: ClassVar[int]
    number: int
    entries: Sequence

    @property
    def first_number(self) -> int:
        return (self.number - 1) * self.size + 1

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.entries) - 1


# A whole page asked for `?page=N` shows the pages before N too, up to this many in all: the
# address the lazy loader writes while the reader scrolls then brings back everything above
# where they were (on reload, or Back when the browser kept no copy), not page N alone.
PAGES_AT_ONCE = 8


def shown_pages(last: int) -> range:
    """The pages a whole page for `?page=last` shows, ending with `last`: all of them from the
    first up to PAGES_AT_ONCE, else the last PAGES_AT_ONCE (a link shows the earlier ones)."""
    return range(max(1, last - PAGES_AT_ONCE + 1), last + 1)
