r"""The answer as HTML at every step of its stream, with the project's renderer.

A formula that has begun but not ended must never reach MathJax half-written: `$x^2 + y` would
be typeset as one formula now and as another a token later, and `$5 and $` is a formula until
the `10` after it makes both dollars prices. So a partial answer is rendered only up to a
point where every formula before it is complete and judged for good (tex.find_formulas, the
grammar Markdown uses too), and the rest is held back until it is: the reader sees the
answer grow formula by formula, never a flash of TeX.

Raw HTML is off and links are http(s)/mailto/relative in rendering.markdown, so a prompt
injected through an abstract (`<script>`, `[x](javascript:…)`) comes out as text.
"""

from __future__ import annotations

import re

from coolpapers.rendering.markdown import render_markdown
from coolpapers.rendering.tex import find_formulas

_SPECIAL = re.compile(r"[\\$]")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def settled_length(text: str) -> int:
    """How much of a growing answer can be rendered now: up to the first place where a formula
    may have begun and not ended (or may still change its meaning)."""
    starts = {formula.start: formula for formula in find_formulas(text)}
    pos = 0
    while (m := _SPECIAL.search(text, pos)) is not None:
        i = m.start()
        formula = starts.get(i)
        if formula is not None:
            # The character after a closing `$` decides whether it was a price: a formula
            # that ends where the text does is not judged yet.
            if formula.end >= len(text):
                return i
            pos = formula.end
            continue
        if text.startswith("\\", i) and not text.startswith(("\\(", "\\[", "\\begin{"), i):
            # An escape pair (`\$`, `\\`) or a command: one unit. A lone trailing backslash
            # may still become `\(`: hold it back.
            if i + 1 >= len(text) or (
                text.startswith("\\b", i) and "\\begin{".startswith(text[i : i + 7])
            ):
                return i
            pos = i + 2
            continue
        inline = text.startswith("\\(", i) or (
            text.startswith("$", i) and not text.startswith("$$", i)
        )
        if inline and _BLANK_LINE.search(text, i):
            # `$…$` and `\(…\)` never span a blank line: this one is text, for good.
            pos = i + (1 if text[i] == "$" else 2)
            continue
        return i  # an opener whose formula may still come: hold back from here
    return len(text)


def render_partial(text: str) -> str:
    """A streamed answer so far as HTML: the settled part, rendered; the rest held back."""
    return render_markdown(text[: settled_length(text)])


def render_answer(text: str) -> str:
    """A whole answer as HTML (the same renderer as staff notes)."""
    return render_markdown(text)
