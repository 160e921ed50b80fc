"""Titles and abstracts with TeX: formulas cut out first and left untouched, text-mode TeX as
HTML, nothing else as markup."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.template import Context, Template

from coolpapers.rendering import tex
from coolpapers.rendering.tex import find_formulas, render_cached, render_html
from tests.rendering.html_check import assert_safe

NBSP = "\u00a0"


def body(html: str) -> str:
    """The HTML without the untranslatable wrapper that text with formulas gets."""
    prefix = '<span class="tex notranslate" translate="no">'
    if html.startswith(prefix):
        assert html.endswith("</span>")
        return html[len(prefix) : -len("</span>")]
    return html


def inline(source: str) -> str:
    return f'<span class="math notranslate" translate="no">{source}</span>'


def display(source: str) -> str:
    return f'<span class="math display notranslate" translate="no">{source}</span>'


# --- formulas -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$x^2$", inline(r"\(x^2\)")),
        ("$$x^2$$", display(r"\[x^2\]")),
        (r"\(x^2\)", inline(r"\(x^2\)")),
        (r"\[x^2\]", display(r"\[x^2\]")),
        (
            r"\begin{equation}E=mc^2\end{equation}",
            display(r"\begin{equation}E=mc^2\end{equation}"),
        ),
        (
            r"\begin{align*}a&=b\\c&=d\end{align*}",
            display(r"\begin{align*}a&amp;=b\\c&amp;=d\end{align*}"),
        ),
        (r"\begin{gather}a\\b\end{gather}", display(r"\begin{gather}a\\b\end{gather}")),
        (r"\begin{multline}a\\b\end{multline}", display(r"\begin{multline}a\\b\end{multline}")),
        (
            r"\begin{eqnarray}a&=&b\end{eqnarray}",
            display(r"\begin{eqnarray}a&amp;=&amp;b\end{eqnarray}"),
        ),
    ],
)
def test_each_kind_of_formula_becomes_a_math_span(text, expected):
    assert body(render_html(text)) == expected


def test_formula_text_is_untouched_only_escaped():
    source = r"$a_{i} < b^{*} \& \% -- ``x'' ~ \emph{y} \"o http://x.org <script>$"
    html = render_html(f"Before {source} after")
    assert body(html) == (
        "Before "
        + inline(
            r"\(a_{i} &lt; b^{*} \&amp; \% -- ``x&#x27;&#x27; ~ \emph{y} \&quot;o http://x.org &lt;script&gt;\)"
        )
        + " after"
    )
    assert_safe(html)


def test_formulas_are_found_with_their_exact_source():
    text = (
        r"Let $\alpha$ and $$\beta$$ and \(\gamma\) and \[\delta\] and \begin{align}a\end{align}."
    )
    formulas = find_formulas(text)
    assert [(f.tex, f.display, f.environment) for f in formulas] == [
        (r"\alpha", False, False),
        (r"\beta", True, False),
        (r"\gamma", False, False),
        (r"\delta", True, False),
        (r"\begin{align}a\end{align}", True, True),
    ]
    assert [text[f.start : f.end] for f in formulas] == [
        r"$\alpha$",
        r"$$\beta$$",
        r"\(\gamma\)",
        r"\[\delta\]",
        r"\begin{align}a\end{align}",
    ]


def test_a_closing_bracket_inside_the_tex_keeps_dollar_delimiters():
    # MathJax would end \( … \) at the inner \); $ … $ reaches the real end.
    assert body(render_html(r"$a \) b$")) == inline(r"$a \) b$")
    assert body(render_html(r"$$a \] b$$")) == display(r"$$a \] b$$")
    # An escaped backslash before ) is no closing bracket.
    assert body(render_html(r"$a \\) b$")) == inline(r"\(a \\) b\)")


@pytest.mark.parametrize(
    "text",
    [
        "The model costs $5 per hour.",
        "Prices of $5 and $10 were tested.",
        "It rose from $6-$8 to more.",
        "A saving of $0.08) over the average ($4.2) per call.",
        "An unclosed $x + y formula.",
        r"An unclosed \(x + y formula.",
        r"An unclosed \[x + y formula.",
        "An unclosed $$x + y formula.",
        r"An unclosed \begin{align} a &= b formula.",
        "Empty $$ and $ $ are no formulas.",
        r"A list \begin{itemize}\item one\end{itemize} is text.",
        "Two paragraphs $a\n\nb$ are not one formula.",
    ],
)
def test_lone_or_unbalanced_delimiters_stay_text(text):
    html = render_html(text)
    assert "math" not in html
    assert_safe(html)


def test_a_price_does_not_swallow_the_formulas_after_it():
    html = render_html("It costs $8 billion and $x$ grows; prices $5 and $10 but $y$ too.")
    assert body(html) == (
        "It costs $8 billion and "
        + inline(r"\(x\)")
        + " grows; prices $5 and $10 but "
        + inline(r"\(y\)")
        + " too."
    )


def test_a_formula_may_start_with_a_number_and_sit_next_to_numbers():
    text = r"of $3.49, 1.81, 1.00 $ Mpc and 5$\times$10$^{-3}$ with $5\, M_\odot $"
    assert [f.tex for f in find_formulas(text)] == [
        "3.49, 1.81, 1.00 ",
        r"\times",
        "^{-3}",
        r"5\, M_\odot ",
    ]


def test_escaped_dollar_is_a_dollar_sign():
    assert render_html(r"It costs \$5 and \$10.") == "It costs $5 and $10."
    assert body(render_html(r"Between \$ and $x$")) == "Between $ and " + inline(r"\(x\)")
    assert [f.tex for f in find_formulas(r"$a\$b$")] == [r"a\$b"]


def test_escaped_backslash_before_dollar_leaves_the_dollar_a_delimiter():
    assert [f.tex for f in find_formulas(r"a\\$x$")] == ["x"]


# --- text-mode TeX ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\emph{new}", "<em>new</em>"),
        (r"\textit{new}", "<em>new</em>"),
        (r"\textbf{bold}", "<strong>bold</strong>"),
        (r"\texttt{code}", "<code>code</code>"),
        (r"\textsc{Caps}", '<span class="tex-sc">Caps</span>'),
        (r"\underline{line}", "<u>line</u>"),
        (r"x\textsuperscript{th}", "x<sup>th</sup>"),
        (r"\textrm{plain} \mbox{box}", "plain box"),
        (r"{\em old} {\bf style} {\it it}", "<em>old</em> <strong>style</strong> <em>it</em>"),
        (r"\emph{nested \textbf{bold} {braces}}", "<em>nested <strong>bold</strong> {braces}</em>"),
        (r"\emph {spaced}", "<em>spaced</em>"),
        (r"100\% \& 1\_2 \#3 \{x\}", "100% &amp; 1_2 #3 {x}"),
        ("a--b a---b", "a\u2013b a\u2014b"),
        ("``quoted''", "\u201cquoted\u201d"),
        ("Fig.~3 and 10~GeV", f"Fig.{NBSP}3 and 10{NBSP}GeV"),
        ("about ~30% and (~13 days), z ~ 7", "about ~30% and (~13 days), z ~ 7"),
        (
            r"Schr\"odinger, Poincar\'{e}, {\"o}, \c{c}, na\"{\i}ve",
            "Schrödinger, Poincaré, ö, ç, naïve",
        ),
        (r"Stra\ss e, \ss{}, {\aa}ngstr\"om, \AA, \o", "Straße, ß, ångström, Å, ø"),
        (r"thin\,space, tie\ space, hy\-phen", "thin\u2009space, tie space, hy\u00adphen"),
        (
            "<b>&amp;</b> \"quotes\" 'single'",
            "&lt;b&gt;&amp;amp;&lt;/b&gt; &quot;quotes&quot; &#x27;single&#x27;",
        ),
        (r"\cite{x} and \unknown stay", r"\cite{x} and \unknown stay"),
        (r"line\\break, \\emph{x} is no emphasis", r"line\\break, \\emph{x} is no emphasis"),
    ],
)
def test_text_mode_tex(text, expected):
    html = render_html(text)
    assert html == expected
    assert_safe(html)


def test_a_command_whose_argument_holds_a_formula():
    html = render_html(r"a \emph{$k$-NN} and \textbf{$\alpha$ and $\beta$} b")
    assert body(html) == (
        "a <em>" + inline(r"\(k\)") + "-NN</em> and "
        "<strong>" + inline(r"\(\alpha\)") + " and " + inline(r"\(\beta\)") + "</strong> b"
    )


def test_unclosed_commands_and_stray_braces_stay_text():
    assert render_html(r"\emph{never closed and \textbf{this} too") == (
        r"\emph{never closed and <strong>this</strong> too"
    )
    assert render_html(r"a } b {c") == "a } b {c"
    assert render_html(r"{\em open") == r"{\em open"


def test_a_brace_inside_a_formula_does_not_close_a_group():
    html = render_html(r"\emph{see $f(\{x\}) = \}$ here}")
    assert body(html) == "<em>see " + inline(r"\(f(\{x\}) = \}\)") + " here</em>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            r"\url{https://github.com/a/b_c}",
            '<a href="https://github.com/a/b_c" rel="nofollow noopener">https://github.com/a/b_c</a>',
        ),
        (
            r"\href{https://x.org/?a=1&b=2}{the \emph{code}}",
            '<a href="https://x.org/?a=1&amp;b=2" rel="nofollow noopener">the <em>code</em></a>',
        ),
        (
            "Code: https://github.com/x/y.",
            'Code: <a href="https://github.com/x/y" rel="nofollow noopener">https://github.com/x/y</a>.',
        ),
        (
            "(see http://x.org/a_(b)), then",
            '(see <a href="http://x.org/a_(b)" rel="nofollow noopener">http://x.org/a_(b)</a>), then',
        ),
        (
            "at https://x.org/~user--name/",
            'at <a href="https://x.org/~user--name/" rel="nofollow noopener">https://x.org/~user--name/</a>',
        ),
    ],
)
def test_links(text, expected):
    html = render_html(text)
    assert html == expected
    assert_safe(html)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\url{javascript:alert(1)}", "javascript:alert(1)"),
        (r"\href{javascript:alert(1)}{click}", "click"),
        (r"\href{data:text/html,x}{click}", "click"),
        (r"\href{ftp://x.org}{click}", "click"),
        ("javascript:alert(1)", "javascript:alert(1)"),
    ],
)
def test_only_http_links(text, expected):
    assert render_html(text) == expected


def test_no_link_inside_a_link():
    html = render_html(r"\href{https://a.org}{see https://b.org and \url{https://c.org}}")
    assert html == (
        '<a href="https://a.org" rel="nofollow noopener">see https://b.org and https://c.org</a>'
    )
    assert_safe(html)


def test_text_without_formulas_has_no_wrapper_and_with_formulas_one():
    assert render_html("plain text") == "plain text"
    assert render_html("with $x$").startswith('<span class="tex notranslate" translate="no">')


# --- marks (search hits) ------------------------------------------------------------------


def test_marks_wrap_source_spans_and_nest_with_tags():
    text = r"deep \emph{neural nets} here"
    start = text.index("neural")
    html = render_html(text, [(text.index("deep"), text.index("deep") + 4), (start, len(text))])
    assert html == "<mark>deep</mark> <em><mark>neural nets</mark></em><mark> here</mark>"
    assert_safe(html)


def test_a_mark_on_an_accented_word_marks_the_letter_whole():
    text = r"Schr\"odinger equation"
    html = render_html(text, [(text.index("odinger"), text.index(" equation"))])
    assert html == "Schr<mark>ödinger</mark> equation"


def test_marks_never_enter_a_formula():
    text = "softmax of $softmax(x)$ is softmax"
    html = render_html(text, [(0, len(text))])
    assert body(html) == (
        "<mark>softmax of </mark>" + inline(r"\(softmax(x)\)") + "<mark> is softmax</mark>"
    )
    assert_safe(html)


# --- cache and template filter ------------------------------------------------------------


def test_rendering_is_cached_per_text(monkeypatch):
    cache.clear()
    calls = []
    real = tex.render_html
    monkeypatch.setattr(tex, "render_html", lambda text: calls.append(text) or real(text))
    assert render_cached("a $x$") == render_html("a $x$")
    assert render_cached("a $x$") == render_html("a $x$")
    assert render_cached("a $y$") == render_html("a $y$")
    assert calls == ["a $x$", "a $y$"]
    assert render_cached("") == ""


def test_tex_filter_renders_and_marks_safe():
    template = Template("{% load rendering %}<h2>{{ title|tex }}</h2><p>{{ missing|tex }}</p>")
    html = template.render(Context({"title": "A <b> & $x_1$"}))
    assert html == (
        '<h2><span class="tex notranslate" translate="no">A &lt;b&gt; &amp; '
        + inline(r"\(x_1\)")
        + "</span></h2><p></p>"
    )
