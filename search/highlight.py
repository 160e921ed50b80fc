"""Marks matched words in a title or abstract without ever touching a formula."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# TeX math as arXiv writes it; the Rendering module will own the full grammar.
MATH = re.compile(
    r"\$\$.+?\$\$|(?<!\\)\$[^$]+?(?<!\\)\$|\\\(.+?\\\)|\\\[.+?\\\]"
    r"|\\begin\{([A-Za-z]+\*?)\}.+?\\end\{\1\}",
    re.DOTALL,
)

Spans = Callable[[str], list[tuple[int, int]]]


def math_ranges(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in MATH.finditer(text)]


def marked_spans(text: str, spans: Spans) -> list[tuple[int, int]]:
    """Matched spans that lie wholly outside formulas."""
    protected = math_ranges(text)
    return [
        (start, end)
        for start, end in spans(text)
        if not any(start < p_end and end > p_start for p_start, p_end in protected)
    ]


def highlight(text: str, spans: Spans) -> SafeString:
    """Escaped text with <mark> around matched words outside formulas."""
    out, pos = [], 0
    for start, end in marked_spans(text, spans):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))
