"""Marks matched words in a title or abstract without ever touching a formula.

What a formula is comes from coolpapers.rendering.tex, the site's one math grammar, so search
results, abstracts and notes agree on it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from coolpapers.rendering.tex import math_ranges, render

Spans = Callable[[str], list[tuple[int, int]]]

__all__ = ["highlight", "highlight_html", "marked_spans", "math_ranges"]


def marked_spans(text: str, spans: Spans) -> list[tuple[int, int]]:
    """Matched spans that lie wholly outside formulas."""
    protected = math_ranges(text)
    return [
        (start, end)
        for start, end in spans(text)
        if not any(start < p_end and end > p_start for p_start, p_end in protected)
    ]


def highlight(text: str, spans: Spans) -> SafeString:
    """Escaped text with <mark> around matched words outside formulas, TeX left as source (the
    API's `highlights`, for clients that typeset or show TeX themselves). The standard
    library's escape is Django's without its lazy-string wrapper, which cost a search page
    more than the escaping itself."""
    out, pos = [], 0
    for start, end in marked_spans(text, spans):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))


def highlight_html(text: str, spans: Spans) -> SafeString:
    """The text as the site's pages show it (formulas in math spans for MathJax, text-mode TeX
    as HTML, as the `tex` template filter does) with <mark> around matched words outside
    formulas: what a search results page should show."""
    return render(text, marked_spans(text, spans))
