"""Markdown with LaTeX: formulas leave the parser byte-identical, Markdown never sees their
inside, code stays code, and only the parser's fixed tags come out."""

from __future__ import annotations

import pytest

from coolpapers.rendering.markdown import render_markdown
from tests.rendering.html_check import assert_safe, unwrap_math

QUADRATIC = r"x_{1,2} = \frac{-b \pm \sqrt{b^2-4ac}}{2a}"


def formulas(markdown: str) -> list[str]:
    return [unwrap_math(shown) for shown in assert_safe(render_markdown(markdown), True).math]


def test_formulas_come_out_byte_identical():
    note = (
        f"Roots: ${QUADRATIC}$, sets $\\{{x_i\\}}_{{i=1}}^n$, products $a * b * c$, "
        r"and a break $a \\ b$."
    )
    assert formulas(note) == [QUADRATIC, r"\{x_i\}_{i=1}^n", "a * b * c", r"a \\ b"]


def test_markdown_around_formulas_still_works():
    html = render_markdown(r"*emphasis* $a_1$ _under_ $b_2$ **strong** $c^*$ and *$x$*.")
    assert html == (
        "<p><em>emphasis</em> "
        '<span class="math notranslate" translate="no">\\(a_1\\)</span> <em>under</em> '
        '<span class="math notranslate" translate="no">\\(b_2\\)</span> <strong>strong</strong> '
        '<span class="math notranslate" translate="no">\\(c^*\\)</span> and '
        '<em><span class="math notranslate" translate="no">\\(x\\)</span></em>.</p>\n'
    )


def test_underscores_between_two_formulas_are_not_emphasis():
    assert formulas(r"$a_1$ and $b_2$ and $c_{3}$") == ["a_1", "b_2", "c_{3}"]
    assert "<em>" not in render_markdown(r"$a_1$ and $b_2$ and $c_{3}$")


def test_backslash_delimiters_keep_their_backslashes():
    assert formulas(r"Inline \(\{x\}\) and display \[\sum_i x_i\] here.") == [
        r"\{x\}",
        r"\sum_i x_i",
    ]


def test_aligned_with_double_backslash_on_lines_of_its_own():
    note = "Then\n\n\\[\n\\begin{aligned}\na &= b \\\\\n  + c &= d\n\\end{aligned}\n\\]\n\ndone."
    html = render_markdown(note)
    assert formulas(note) == ["\n\\begin{aligned}\na &= b \\\\\n  + c &= d\n\\end{aligned}\n"]
    # The line starting with "+" did not become a list.
    assert "<ul>" not in html and "<li>" not in html


def test_display_dollars_and_environments():
    note = "$$\n\\sum_{i=1}^n i = \\frac{n(n+1)}{2}\n$$\n\n\\begin{align}\na &= 1 \\\\\nb &= 2\n\\end{align}\n"
    assert formulas(note) == [
        "\n\\sum_{i=1}^n i = \\frac{n(n+1)}{2}\n",
        "\\begin{align}\na &= 1 \\\\\nb &= 2\n\\end{align}",
    ]
    assert render_markdown(note).count('class="math display notranslate"') == 2


def test_formulas_inside_code_stay_code():
    note = (
        "Code `$x_1$ \\(y\\)` and\n\n```\n$not_math$ \\[nor this\\]\n```\n\n    $indented_code$\n"
    )
    html = render_markdown(note)
    assert 'class="math' not in html
    assert "<code>$x_1$ \\(y\\)</code>" in html
    assert "<pre><code>$not_math$ \\[nor this\\]\n</code></pre>" in html
    assert "<pre><code>$indented_code$\n</code></pre>" in html


def test_a_formula_never_reaches_into_a_code_span():
    html = render_markdown("It costs $10. Also `$x_1$` here and $y$.")
    assert "<code>$x_1$</code>" in html
    assert formulas("It costs $10. Also `$x_1$` here and $y$.") == ["y"]


@pytest.mark.parametrize(
    "note", ["Costs $5 and $10.", "Only $5 today.", r"Escaped \$5 and \$6.", "Unclosed \\(x"]
)
def test_prices_and_unclosed_delimiters_are_text(note):
    assert 'class="math' not in render_markdown(note)


def test_tables_with_formulas_and_alignment():
    note = "| Left | Center | Right |\n|:--|:-:|--:|\n| $\\alpha_1$ | *b* | $x^2$ |\n"
    html = render_markdown(note)
    assert '<th class="align-left">Left</th>' in html
    assert '<td class="align-right"><span class="math notranslate" translate="no">\\(x^2\\)' in html
    assert "style=" not in html
    assert formulas(note) == ["\\alpha_1", "x^2"]


def test_links_are_web_links_with_rel():
    html = render_markdown(
        "[site](https://example.org/a_b) <https://x.org> https://bare.org/p_q "
        "[mail](mailto:a@b.org) [page](/arxiv/cs.CL)"
    )
    checked = assert_safe(html, True)
    assert checked.links == [
        "https://example.org/a_b",
        "https://x.org",
        "https://bare.org/p_q",
        "mailto:a@b.org",
        "/arxiv/cs.CL",
    ]


@pytest.mark.parametrize(
    "note",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](vbscript:msgbox)",
        "[x](//evil.org/path)",
        "<javascript:alert(1)>",
    ],
)
def test_unsafe_links_are_text(note):
    html = render_markdown(note)
    assert "<a" not in html
    assert_safe(html, True)


def test_images_are_links_at_most():
    html = render_markdown("![plot](https://x.org/a.png)")
    assert "<img" not in html
    assert html == '<p>!<a href="https://x.org/a.png" rel="nofollow noopener">plot</a></p>\n'


def test_raw_html_is_escaped():
    html = render_markdown('<script>alert(1)</script>\n\n<div onclick="x">y</div> <b>z</b>')
    assert "<script" not in html and "<div" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert_safe(html, True)
