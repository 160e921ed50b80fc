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
