"""Path converters that keep `/arxiv/<spec>` and `/arxiv/<id>` apart by shape alone.

An id starts with a digit (2401.01234), with `arXiv:`, or is old style with a slash and digits
(hep-th/9901001, math.GT/0309136); a spec starts with a letter and holds neither `/` nor `:`.
Both are loose on purpose: a near miss (`2413.01234`, `cs.A1`) reaches the view, which answers
400 with the reason instead of a bare 404.
"""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import get_converters


class ArxivIdConverter:
    regex = (
        r"(?:[aA][rR][xX][iI][vV]:)?"
        r"(?:\d[0-9.]*|[A-Za-z]+(?:-[A-Za-z]+)*(?:\.[A-Za-z-]+)?/\d+)(?:v\d+)?"
    )

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class CategorySpecConverter:
    # `search` is reserved for the site search at /arxiv/search.
    regex = r"(?!search(?:/|$))[^/:0-9][^/:]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


def register() -> None:
    """Register the converters once, for every URL module that uses them (each must work when
    imported alone; Django refuses a converter registered twice)."""
    converters = {"arxiv_id": ArxivIdConverter, "category_spec": CategorySpecConverter}
    for name, converter in converters.items():
        if name not in get_converters():
            register_converter(converter, name)
