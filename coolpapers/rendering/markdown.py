r"""Markdown with LaTeX (paper notes) as HTML, on the server.

Rendering Markdown in the browser broke formulas: `_` and `*` became emphasis and `\\` lost a
backslash. Here the Markdown parser itself finds the formulas (`$…$`, `$$…$$`, `\(…\)`,
`\[…\]`, amsmath environments) and hands their source on as a token, so Markdown never sees
their inside; they come out as the same math spans as in abstracts (tex.math_html), their TeX
byte-identical to the source. Inside code spans and code blocks a formula stays code.

Raw HTML is off, links are http(s), mailto or relative, and every other tag comes from the
parser's fixed set, so the output is safe whatever the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .tex import LINK_REL, formula_at, math_html

_LINK_SCHEMES = ("http://", "https://", "mailto:")
_ALIGN = {"text-align:left": "left", "text-align:center": "center", "text-align:right": "right"}


def _validate_link(url: str) -> bool:
    """http(s), mailto, or a link within the site: no javascript:, data:, file: and the like."""
    lowered = url.strip().lower()
    return lowered.startswith(_LINK_SCHEMES) or (
        lowered.startswith(("/", "#")) and not lowered.startswith("//")
    )


def _math_inline_rule(state: StateInline, silent: bool) -> bool:
    r"""A formula where the parser stands (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`, an environment),
    by the grammar of abstracts: before the escape rule would turn `\(` into `(`. A formula
    with a backtick inside would reach into a code span, so it is none."""
    if state.src[state.pos] not in "$\\":
        return False
    formula = formula_at(state.src, state.pos)
    if formula is None or formula.end > state.posMax or "`" in formula.tex:
        return False
    if not silent:
        token = state.push("math_inline_double" if formula.display else "math_inline", "math", 0)
        token.content = formula.tex
        token.info = "environment" if formula.environment else ""
    state.pos = formula.end
    return True


def _bracket_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    r"""`\[` … `\]` over whole lines, so a formula line that starts with `-`, `+`, `#` or `>`
    is never read as a list, heading or quote."""
    if state.is_code_block(start_line):
        return False
    first = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", first):
        return False
    line = start_line
    while line < end_line:
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()
        if line > start_line and not text:
            return False  # a blank line ends the block: not a display formula
        if text.endswith("\\]") and (line > start_line or len(text) > 3):
            lines = state.getLines(start_line, line + 1, state.sCount[start_line], False)
            lines = lines.rstrip()
            formula = formula_at(lines, 0)
            if formula is None or formula.end != len(lines):
                return False
            break
        line += 1
    else:
        return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block = True
        token.content = formula.tex
        token.markup = "\\["
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def _math_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return math_html(tokens[idx].content, display=False)


def _math_display(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    return math_html(token.content, display=True, environment=token.info == "environment")


def _math_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return math_html(tokens[idx].content, display=True) + "\n"


def _amsmath(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    source = tokens[idx].content.rstrip("\n")
    return math_html(source, display=True, environment=True) + "\n"


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("rel", LINK_REL)
    return self.renderToken(tokens, idx, options, env)


def _table_cell(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Column alignment as a class: a style attribute would break the Content-Security-Policy."""
    token = tokens[idx]
    style = token.attrs.pop("style", None)
    if isinstance(style, str) and style in _ALIGN:
        token.attrSet("class", f"align-{_ALIGN[style]}")
    return self.renderToken(tokens, idx, options, env)


@cache
def parser() -> MarkdownIt:
    """CommonMark with tables, strikethrough, bare links and math; no raw HTML, no images."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"]).disable("image")
    md.validateLink = _validate_link  # type: ignore[method-assign]
    # The plugins find display formulas on lines of their own; inside paragraphs the grammar
    # of abstracts (tex.formula_at) replaces the plugin's `$` rule, so both agree on prices.
    md.use(dollarmath_plugin, allow_labels=False, allow_blank_lines=False)
    md.use(amsmath_plugin)
    md.inline.ruler.at("math_inline", _math_inline_rule)
    md.block.ruler.before(
        "fence", "math_bracket_block", _bracket_block, {"alt": ["paragraph", "blockquote"]}
    )
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_display)
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("amsmath", _amsmath)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("th_open", _table_cell)
    md.add_render_rule("td_open", _table_cell)
    return md


def render_markdown(source: str) -> str:
    """A note's Markdown as HTML (safe for any input)."""
    return parser().render(source)
