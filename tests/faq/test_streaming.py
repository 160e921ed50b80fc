"""A streamed answer cut at every character never hands MathJax a half formula, never renders
raw HTML and never links to javascript:."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from coolpapers.faq.streaming import render_answer, render_partial, settled_length

ANSWER = r"""## What problem does this paper try to solve?

It bounds $\|x_t - x^*\|^2 \le (1-\mu\eta)^t$ for strongly convex $f$, where \(L\)-smooth
losses cost $5 and $10 per run. A price: $3.

$$
\sum_{i=1}^{n} a_i^2 = \frac{1}{2}
$$

\[ E = mc^2 \]

\begin{align}
a &= b + c \\
d &= e
\end{align}

## What related work is there?

- Prior work on `$not math$` in code, and **bold $x_1$** text.
- <script>alert(1)</script> and [click](javascript:alert(1)) and <img src=x onerror=alert(1)>
- An escaped dollar \$ and a backslash \\ then $y$.

```
$$ code $$
```
"""

MATH = re.compile(r'<span class="math[^"]*" translate="no">(.*?)</span>', re.DOTALL)


def spans(html: str) -> Counter[str]:
    return Counter(MATH.findall(html))


FINAL = spans(render_answer(ANSWER))


def test_the_final_answer_has_its_formulas() -> None:
    assert sum(FINAL.values()) == 8
    assert any("E = mc^2" in tex for tex in FINAL)
    assert any("\\begin{align}" in tex for tex in FINAL)


@pytest.mark.parametrize("text", [ANSWER, ANSWER.replace("\n", "\r\n")])
def test_every_prefix_renders_only_whole_formulas(text: str) -> None:
    final = spans(render_answer(text))
    for k in range(len(text) + 1):
        html = render_partial(text[:k])
        partial = spans(html)
        # Every formula shown is one of the whole answer's, never a part of one.
        assert not partial - final, (k, text[:k][-40:], partial - final)
        assert html.count('<span class="math') == sum(partial.values()), k
        assert "<script" not in html and "<img" not in html, k
        assert "javascript:" not in html.replace("](javascript:", ""), k
        assert 'href="javascript' not in html.lower(), k


def test_nothing_is_held_back_once_the_formulas_close() -> None:
    text = "Let $x$ be one, and"
    assert settled_length(text) == len(text)
    assert settled_length("Let $x") == len("Let ")
    # Until the next character it is not known whether `$5 and $` is a formula or two prices.
    assert settled_length("pay $5 and $") == len("pay ")
    # `$` never spans a blank line: a lone one is text, for good.
    assert settled_length("a $ b\n\nc") == len("a $ b\n\nc")


def test_injection_is_text() -> None:
    html = render_answer("<script>alert(1)</script> [x](javascript:alert(1))")
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<a " not in html


def test_rendering_every_prefix_as_it_is_would_show_half_formulas() -> None:
    """The property above has teeth: the plain renderer on the same prefixes fails it."""
    from coolpapers.rendering.markdown import render_markdown

    half = [k for k in range(len(ANSWER) + 1) if spans(render_markdown(ANSWER[:k])) - FINAL]
    assert half
