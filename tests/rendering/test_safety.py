"""Hostile titles, abstracts and notes: no markup escapes, and no formula is ever changed.

Every output is parsed with html.parser and may hold only the allow-listed tags and
attributes (html_check.py). The property tests feed Hypothesis-built text made of the
characters and fragments that matter to the renderers."""

from __future__ import annotations

import html

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coolpapers.rendering.markdown import render_markdown
from coolpapers.rendering.tex import find_formulas, math_delimited, render_html
from tests.rendering.html_check import assert_safe, unwrap_math

HOSTILE = [
    "<script>alert(1)</script>",
    "Title <img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "$</span><script>alert(1)</script>$",
    r"\(</span><a href=javascript:alert(1)>x</a>\)",
    "$$<style>*{}</style>$$",
    r"\begin{equation}</span><iframe src=//evil></iframe>\end{equation}",
    r"\url{javascript:alert(1)}",
    r"\url{https://x.org/\"onmouseover=alert(1)}",
    r"\href{javascript:alert(1)}{click}",
    r'\href{https://x.org/" onclick="alert(1)}{click}',
    r"\href{https://x.org}{<b onclick=alert(1)>x</b>}",
    'https://x.org/"onmouseover="alert(1)',
    "https://x.org/<script>",
    r"\emph{<script>} {\em </em><script>}",
    "&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt; &#60;script&#62; &#x3C;",
    r"$&lt;script&gt;$ and $\text{&amp;}$",
    "<!-- comment --> <![CDATA[x]]> <?php x ?>",
    "javascript:alert(1) data:text/html,<script>alert(1)</script>",
    "\x00 \ufeff \u202e reversed",
]
NOTES = [
    *HOSTILE,
    "[x](javascript:alert(1)) [y](  javascript:alert(1)) [z](java\tscript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=) <data:text/html,x>",
    '[x](https://x.org "title" onclick="alert(1)")',
    "| a | b |\n|---|---|\n| <script> | $</td><script>$ |",
    "```html\n<script>alert(1)</script>\n```",
    '```"><script>alert(1)</script>\nx\n```',
    "<div>\n*markdown* inside html\n</div>",
    "$$\n</span><script>alert(1)</script>\n$$",
    "\\begin{align}\n</span><script>\n\\end{align}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_titles_and_abstracts(text):
    assert_safe(render_html(text))
    marks = [(0, len(text) // 2), (len(text) // 2 + 1, len(text))]
    assert_safe(render_html(text, marks))


@pytest.mark.parametrize("note", NOTES)
def test_hostile_notes(note):
    assert_safe(render_markdown(note), markdown=True)


def test_tex_in_formulas_survives_escaping():
    source = r"$a<b>c \& d$"
    assert assert_safe(render_html(source)).math == [r"\(a<b>c \& d\)"]


# --- properties ---------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        *("$", "$$", "\\$", "\\(", "\\)", "\\[", "\\]", "\\\\", "\\", "{", "}", "}{"),
        *("\\begin{align}", "\\end{align}", "\\begin{equation*}", "\\end{equation*}"),
        *("\\emph{", "\\textbf{", "{\\em ", "\\url{", "\\href{", "\\textsc{", "\\cite{"),
        *("http://x.org/a_b", "https://e.com/(p)", "javascript:alert(1)", "mailto:a@b"),
        *("<script>", "</span>", "<a href=x>", '" onclick="x', "'", "&amp;", "&#60;"),
        *("--", "---", "``", "''", "~", '\\"o', "\\'{e}", "\\ss", "\\%", "\\&", "\\_"),
        *("x", "5", "a_1", "b^2", "*", "_", "`", "|", "#", "> ", "- ", "1. ", "[x](", ")"),
        *(" ", "\n", "\n\n", "    ", "\t"),
    ]
)
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=4)), max_size=30).map("".join)
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(text=TEXT, cut=st.lists(st.integers(min_value=0, max_value=200), max_size=6))
def test_tex_never_lets_markup_escape_nor_changes_a_formula(text, cut):
    formulas = find_formulas(text)
    for formula in formulas:
        # Each formula is a piece of the source, its TeX inside it unchanged.
        assert formula.tex in text[formula.start : formula.end]
    marks = list(zip(cut[::2], cut[1::2], strict=False))
    for output in (render_html(text), render_html(text, marks)):
        checked = assert_safe(output)
        assert checked.math == [math_delimited(f.tex, f.display, f.environment) for f in formulas]
        assert "<mark>" not in "".join(checked.math)


@PROPERTY
@given(text=TEXT)
def test_markdown_never_lets_markup_escape_nor_changes_a_formula(text):
    checked = assert_safe(render_markdown(text), markdown=True)
    # Markdown reads line ends as \n and NUL as U+FFFD before anything else (CommonMark).
    source = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    for shown in checked.math:
        # Byte-identical to the source: the formula's TeX occurs in the note as written.
        assert unwrap_math(shown) in source


@PROPERTY
@given(text=TEXT)
def test_text_outside_formulas_keeps_its_characters(text):
    """Without TeX commands or formulas in the way, what shows is the source, escaped."""
    plain = text.translate({ord(c): None for c in "\\$~`'-{}"}).replace("http", "")
    assert html.unescape(render_html(plain)) == plain
