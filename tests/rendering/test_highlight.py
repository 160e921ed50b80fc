"""Search highlighting with the renderer's math grammar: marks outside formulas only."""

from __future__ import annotations

import re

from search.highlight import highlight, highlight_html, marked_spans
from tests.rendering.html_check import assert_safe


def words(*targets: str):
    pattern = re.compile("|".join(targets), re.IGNORECASE)
    return lambda text: [m.span() for m in pattern.finditer(text)]


TEXT = r"Softmax attention: $\mathrm{softmax}(QK^T)$ costs $5 and \emph{softmax} is fast"


def test_marked_spans_skip_formulas_found_by_the_renderer():
    spans = marked_spans(TEXT, words("softmax"))
    assert [TEXT[a:b] for a, b in spans] == ["Softmax", "softmax"]
    # "$5 and \emph{…}" is a price, not a formula: the word after it is marked.
    assert spans[1][0] > TEXT.index("$5")


def test_highlight_keeps_its_escaped_text_format():
    html = highlight("a <b> & $x_softmax$ softmax", words("softmax"))
    assert html == "a &lt;b&gt; &amp; $x_softmax$ <mark>softmax</mark>"


def test_highlight_html_renders_and_marks():
    html = highlight_html(TEXT, words("softmax", "fast"))
    checked = assert_safe(html)
    assert checked.math == [r"\(\mathrm{softmax}(QK^T)\)"]
    assert html == (
        '<span class="tex notranslate" translate="no"><mark>Softmax</mark> attention: '
        '<span class="math notranslate" translate="no">\\(\\mathrm{softmax}(QK^T)\\)</span> '
        "costs $5 and <em><mark>softmax</mark></em> is <mark>fast</mark></span>"
    )
