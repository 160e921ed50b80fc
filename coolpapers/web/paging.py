"""Page numbers: reading `?page=` and numbering a page's entries, the same on every list
(daily lists, search results, related papers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, TypeVar

T = TypeVar("T")


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


def split_pages(entries: Sequence[T], pages: range, size: int) -> list[tuple[int, list[T]]]:
    """The entries of consecutive `pages` (fetched together, from the first one's start) cut
    into pages of `size`: (number, entries) of each, pages past the end left out but the
    first one always there (empty when the whole range is past the end)."""
    cut = []
    for offset, number in enumerate(pages):
        part = list(entries[offset * size : (offset + 1) * size])
        if part or not cut:
            cut.append((number, part))
    return cut


def earlier_context(pages: Sequence[Numbered], total: int, page_url: Callable[[int], str]) -> dict:
    """What a whole page needs above its papers: the pages before the last one (shown before
    it, see shown_pages), and past PAGES_AT_ONCE where it starts ("From paper 26 of 223") with
    a link to the pages before, ending at their last page and anchored there (#page-N).

    `page_url(n)` is the whole page `?page=n` of the same list.
    """
    first = pages[0]
    if first.number == 1:
        return {"earlier_pages": list(pages[:-1])}
    before = shown_pages(first.number - 1)
    return {
        "earlier_pages": list(pages[:-1]),
        "shown_from": first.first_number,
        "shown_total": total,
        "earlier_url": f"{page_url(before.stop - 1)}#page-{before.stop - 1}",
        "earlier_from": (before.start - 1) * first.size + 1,
        "earlier_to": first.first_number - 1,
    }
