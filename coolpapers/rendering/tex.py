r"""arXiv titles and abstracts (text with TeX) as HTML; the site's one grammar of formulas.

Formulas (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`, `\begin{equation}…\end{equation}` and the other
display environments) are cut out before anything else and come out untouched, only
HTML-escaped, in `<span class="math notranslate" translate="no">` for MathJax to typeset in the
browser. The text between them is escaped, and the text-mode TeX arXiv authors write
(`\emph{}`, `\url{}`, `--`, ``` ``quotes'' ```, `\"o`, ...) becomes a few fixed tags. No other
markup can come out, whatever the input: that is what makes the output safe.

markdown.py renders its formulas with `math_html` and search highlighting finds formulas with
`find_formulas`, so the abstract, the notes and the search results agree on what a formula is.
"""

from __future__ import annotations

import hashlib
import html
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.safestring import SafeString

from coolpapers.papers.text import tex_accents_to_unicode

# Bump when the output changes, so cached HTML of the old renderer is never served.
RENDERER_VERSION = "1"
CACHE_TIMEOUT = 60 * 60 * 24 * 30  # the key hashes the text, so an entry never goes stale

Span = tuple[int, int]

# Environments that are display formulas on their own (they are their own delimiters).
MATH_ENVIRONMENTS = frozenset(
    f"{name}{star}"
    for name in ("equation", "align", "alignat", "flalign", "gather", "multline", "eqnarray")
    for star in ("", "*")
)


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula at text[start:end]: `tex` is what lies between its delimiters, or the whole
    `\\begin{…}…\\end{…}` for an environment."""

    start: int
    end: int
    tex: str
    display: bool
    environment: bool = False


# --- finding formulas ---------------------------------------------------------------------

_SPECIAL = re.compile(r"[\\$]")
_BEGIN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
# Bodies read escape pairs (`\$`, `\\`) as one unit, so an escaped delimiter never closes.
_DOLLAR_BODY = re.compile(r"(?:[^\\$]++|\\.)*+", re.DOTALL)
_DOUBLE_DOLLAR_BODY = re.compile(r"(?:[^\\$]++|\\.|\$(?!\$))*+", re.DOTALL)
_PAREN_BODY = re.compile(r"(?:[^\\]++|\\[^)])*+\\\)", re.DOTALL)
_BRACKET_BODY = re.compile(r"(?:[^\\]++|\\[^\]])*+\\\]", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_TEX_SIGNS = re.compile(r"[\\^_{}=<>]")
_PUNCTUATION = frozenset(".,;:!?)]-")


def _dollar(text: str, i: int) -> Formula | int:
    r"""`$…$` at i, or where to go on scanning when the `$` is not a formula. Prices are not:
    a body that starts with a digit and holds no TeX is "$5 and $10" when a digit follows (both
    are prices), or "$8 billion and $x$" when it ends in a space and text follows at once (only
    the first is a price; the second opens a formula)."""
    j = _DOLLAR_BODY.match(text, i + 1).end()
    if j >= len(text) or text[j] != "$":
        return i + 1
    tex = text[i + 1 : j]
    if not tex.strip() or _BLANK_LINE.search(tex):
        return i + 1
    if tex[0].isdigit() and not _TEX_SIGNS.search(tex):
        after = text[j + 1 : j + 2]
        if after.isdigit():
            return j + 1
        if tex[-1].isspace() and after and not after.isspace() and after not in _PUNCTUATION:
            return i + 1
    return Formula(i, j + 1, tex, display=False)


def _double_dollar(text: str, i: int) -> Formula | None:
    j = _DOUBLE_DOLLAR_BODY.match(text, i + 2).end()
    if not text.startswith("$$", j) or not text[i + 2 : j].strip():
        return None
    return Formula(i, j + 2, text[i + 2 : j], display=True)


def _delimited(text: str, i: int, body: re.Pattern[str], display: bool) -> Formula | None:
    """`\\(…\\)` or `\\[…\\]` starting at i."""
    m = body.match(text, i + 2)
    if m is None:
        return None
    tex = text[i + 2 : m.end() - 2]
    if not tex.strip() or (not display and _BLANK_LINE.search(tex)):
        return None
    return Formula(i, m.end(), tex, display=display)


def _environment(text: str, i: int) -> Formula | None:
    m = _BEGIN.match(text, i)
    if m is None or m.group(1) not in MATH_ENVIRONMENTS:
        return None
    end = text.find(f"\\end{{{m.group(1)}}}", m.end())
    if end < 0:
        return None
    end += len(m.group(1)) + 6  # len("\\end{}")
    return Formula(i, end, text[i:end], display=True, environment=True)


def formula_at(text: str, i: int) -> Formula | None:
    """The formula that starts at text[i], if one does, judged from there on (Markdown asks
    this at each `$` and backslash it reaches outside code)."""
    if text.startswith("$$", i):
        return _double_dollar(text, i)
    if text.startswith("$", i):
        found = _dollar(text, i)
        return found if isinstance(found, Formula) else None
    if text.startswith("\\(", i):
        return _delimited(text, i, _PAREN_BODY, display=False)
    if text.startswith("\\[", i):
        return _delimited(text, i, _BRACKET_BODY, display=True)
    if text.startswith("\\begin{", i):
        return _environment(text, i)
    return None


def find_formulas(text: str) -> list[Formula]:
    """Every formula in arXiv text, left to right. An opening delimiter without its closing one
    (or a lone `$`) is not a formula: it stays text. `\\$` is a dollar sign."""
    formulas: list[Formula] = []
    pos = 0
    while (m := _SPECIAL.search(text, pos)) is not None:
        i = m.start()
        if text.startswith("$", i) and not text.startswith("$$", i):
            found = _dollar(text, i)
            if isinstance(found, int):  # a price: the second `$` of "$5 and $10" is one too
                pos = found
                continue
            formula: Formula | None = found
        else:
            formula = formula_at(text, i)
        if formula is None:
            pos = i + 2  # an unclosed `$$`, or an escape pair (`\\$`, `\\\\`, `\\%`) as a whole
        else:
            formulas.append(formula)
            pos = formula.end
    return formulas


def math_ranges(text: str) -> list[Span]:
    """(start, end) of every formula, delimiters included."""
    return [(f.start, f.end) for f in find_formulas(text)]


# --- formulas as HTML ---------------------------------------------------------------------

_CLOSES_INLINE = re.compile(r"(?<!\\)(?:\\\\)*\\\)")
_CLOSES_DISPLAY = re.compile(r"(?<!\\)(?:\\\\)*\\\]")


def math_delimited(tex: str, display: bool, environment: bool = False) -> str:
    r"""The formula as MathJax finds it: `\(…\)` or `\[…\]` around the untouched TeX (`$…$`
    or `$$…$$` when the TeX itself holds the closing bracket), an environment as it is."""
    if environment:
        return tex
    if display:
        return f"$${tex}$$" if _CLOSES_DISPLAY.search(tex) else f"\\[{tex}\\]"
    return f"${tex}$" if _CLOSES_INLINE.search(tex) else f"\\({tex}\\)"


def math_html(tex: str, display: bool, environment: bool = False) -> str:
    """A formula for MathJax: never translated, typeset only inside these spans. Display
    formulas are a span too (styled as a block), so they stay valid inside <p>, <a> and <h2>."""
    css = "math display notranslate" if display else "math notranslate"
    source = html.escape(math_delimited(tex, display, environment))
    return f'<span class="{css}" translate="no">{source}</span>'


# --- text-mode TeX ------------------------------------------------------------------------

# \cmd{…}: the tag its argument goes in (None: the argument as plain text).
_COMMANDS: dict[str, str | None] = {
    "emph": "em",
    "textit": "em",
    "textsl": "em",
    "textbf": "strong",
    "texttt": "code",
    "textsc": "span",
    "textsuperscript": "sup",
    "textsubscript": "sub",
    "underline": "u",
    "textrm": None,
    "textsf": None,
    "textup": None,
    "textmd": None,
    "textnormal": None,
    "mbox": None,
    "text": None,
}
# {\em …}: old-style switches at the start of a group.
_SWITCHES: dict[str, str | None] = {
    "em": "em",
    "it": "em",
    "sl": "em",
    "itshape": "em",
    "slshape": "em",
    "bf": "strong",
    "bfseries": "strong",
    "tt": "code",
    "ttfamily": "code",
    "sc": "span",
    "scshape": "span",
    "rm": None,
    "sf": None,
    "normalfont": None,
    "upshape": None,
}
# A line break `\\` stays as written, read as a pair: `\\emph{x}` is no emphasis.
_ESCAPED = {"%": "%", "&": "&amp;", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}", "\\": "\\\\"}
_SPACES = {" ": " ", ",": "\u2009", ";": " ", ":": " ", "!": "", "-": "\u00ad"}
_DASHES = {"--": "\u2013", "---": "\u2014"}
_QUOTES = {"``": "\u201c", "''": "\u201d"}
_ACCENT = (
    # \"o, \'{e}, {\"o}, {\'{e}}, \c c, \"{\i}: braces only in balanced pairs.
    r"(?P<ob>\{)?\\(?:[\"'`^~=.]|[uvHckr](?=[{\s]))\s*"
    r"(?:\{(?:\\i(?![A-Za-z])|[A-Za-z])\}|\\i(?![A-Za-z])|[A-Za-z])(?(ob)\})"
    # \ss, \o, {\aa}, \ss{}: letters TeX has a command for.
    r"|\{\\(?:ss|aa|AA|ae|AE|o|O|l|L|i)(?![A-Za-z])\s*\}"
    r"|\\(?:ss|aa|AA|ae|AE|o|O|l|L|i)(?![A-Za-z])(?:\{\}|[ \t]+(?=[A-Za-z]))?"
)
_TOKEN = re.compile(
    # The lookahead lets the scan skip most characters at once (ten times faster).
    r"(?=[\\{}\-`'~]|http)"
    r"(?:\\(?P<escaped>[%&_#${}\\])"
    r"|(?P<url>\\url\{(?P<url_target>[^{}\s]*)\})"
    r"|(?P<href>\\href\{(?P<href_target>[^{}\s]*)\}\s*\{)"
    rf"|\\(?P<command>{'|'.join(_COMMANDS)})\s*\{{"
    rf"|\{{\\(?P<switch>{'|'.join(_SWITCHES)})(?![A-Za-z])\s*"
    rf"|(?P<accent>{_ACCENT})"
    r"|\\(?P<space>[ ,;:!\-])"
    r"|(?P<dash>---?)"
    r"|(?P<quote>``|'')"
    # ~ ties words (Fig.~3, 10~GeV); " ~30%" and "(~13 days)" mean "about" and stay.
    r"|(?P<nbsp>(?<=[\w.,:;)\]}])~(?=\S))"
    r"|(?P<brace>[{}])"
    r"|(?P<bare>https?://[^\s<>\"'{}\\^`|]+))"
)
_SAFE_URL = re.compile(r"https?://[^\s<>\"'\\^`{}|\x00-\x1f\x7f]+\Z", re.IGNORECASE)
_TRAILING = ".,;:!?'\""
LINK_REL = "nofollow noopener"


def _bare_url_end(url: str) -> int:
    """Where a URL found in running text ends: not at the sentence's full stop or at a
    closing parenthesis it did not open."""
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _TRAILING or (last == ")" and url.count("(", 0, end) < url.count(")", 0, end)):
            end -= 1
        else:
            break
    return end


def _link_open(url: str) -> str:
    return f'<a href="{html.escape(url)}" rel="{LINK_REL}">'


@dataclass(slots=True)
class _Group:
    """An opening token (`\\emph{`, `\\href{…}{`, `{\\em`, `{`) and the tags it renders."""

    open_html: str | None  # None: a bare brace, shown as it is
    close_html: str = ""
    link: bool = False
    matched: bool = False  # False: no closing brace, so the token is shown as text
    tagged: bool = False  # its tags were written (not a link inside a link)


class _Writer:
    """Collects the HTML; puts <mark> around marked source characters, closing the mark before
    every tag and reopening it after, so marks always nest."""

    def __init__(self, marks: Sequence[Span]):
        self.parts: list[str] = []
        self.marks = marks
        self.mark_ends = [end for _, end in marks]
        self.marked = False

    def tag(self, markup: str) -> None:
        if self.marked:
            self.parts.append("</mark>")
            self.marked = False
        self.parts.append(markup)

    def _text(self, escaped: str, marked: bool) -> None:
        if marked != self.marked:
            self.parts.append("<mark>" if marked else "</mark>")
            self.marked = marked
        self.parts.append(escaped)

    def atom(self, start: int, end: int, escaped: str) -> None:
        """Text that replaces source[start:end] as a whole (ö for \\"o): marked if any of it is."""
        if not self.marks:
            self.parts.append(escaped)
            return
        i = bisect_right(self.mark_ends, start)
        self._text(escaped, i < len(self.marks) and self.marks[i][0] < end)

    def literal(self, start: int, source: str) -> None:
        """Source text shown as it is: marks may start and end anywhere inside it."""
        if not self.marks:
            self.parts.append(html.escape(source))
            return
        for a, b, marked in self._pieces(start, start + len(source)):
            self._text(html.escape(source[a - start : b - start]), marked)

    def _pieces(self, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
        i = bisect_right(self.mark_ends, start)
        pos = start
        while pos < end:
            if i < len(self.marks) and self.marks[i][0] < end:
                mark_start, mark_end = self.marks[i]
                if mark_start > pos:
                    yield pos, mark_start, False
                    pos = mark_start
                stop = min(mark_end, end)
                yield pos, stop, True
                pos = stop
                i += 1
            else:
                yield pos, end, False
                pos = end

    def html(self) -> str:
        if self.marked:
            self.parts.append("</mark>")
        return "".join(self.parts)


def _group_for(m: re.Match[str]) -> _Group:
    kind = m.lastgroup
    if kind == "href":
        target = m.group("href_target")
        if _SAFE_URL.match(target):
            return _Group(_link_open(target), "</a>", link=True)
        return _Group("")  # an unsafe target: the link text alone
    name = m.group("command") if kind == "command" else m.group("switch")
    tag = (_COMMANDS if kind == "command" else _SWITCHES)[name]
    if tag is None:
        return _Group("")
    if tag == "span":
        return _Group('<span class="tex-sc">', "</span>")
    return _Group(f"<{tag}>", f"</{tag}>")


_Item = tuple[str, re.Match[str] | Formula | _Group | None, int, int]


def _tokens(text: str, formulas: list[Formula]) -> list[_Item]:
    """(kind, payload, start, end) for the whole text: plain runs, TeX tokens, formulas;
    every brace group matched to its closing brace across formulas."""
    items: list[_Item] = []
    stack: list[_Group] = []
    pos = 0
    for formula in [*formulas, None]:
        stop = formula.start if formula else len(text)
        for m in _TOKEN.finditer(text, pos, stop):
            if m.start() > pos:
                items.append(("plain", None, pos, m.start()))
            kind = m.lastgroup
            if kind in ("href", "command", "switch"):
                group = _group_for(m)
                stack.append(group)
                items.append(("open", group, m.start(), m.end()))
            elif kind == "brace" and m.group() == "{":
                group = _Group(None)
                stack.append(group)
                items.append(("open", group, m.start(), m.end()))
            elif kind == "brace":
                group = stack.pop() if stack else None
                if group is not None:
                    group.matched = True
                items.append(("close", group, m.start(), m.end()))
            else:
                items.append((kind, m, m.start(), m.end()))
            pos = m.end()
        if stop > pos:
            items.append(("plain", None, pos, stop))
        if formula is not None:
            items.append(("math", formula, formula.start, formula.end))
            pos = formula.end
    return items


def render_html(text: str, marks: Sequence[Span] = ()) -> str:
    """arXiv text as HTML (see the module docstring); `marks` are (start, end) spans of the
    text to wrap in <mark> (search hits), never inside a formula. Not cached."""
    formulas = find_formulas(text)
    out = _Writer(_merged(marks))
    in_link = 0
    for kind, payload, start, end in _tokens(text, formulas):
        if kind == "plain":
            out.literal(start, text[start:end])
        elif kind == "math":
            assert isinstance(payload, Formula)
            out.tag(math_html(payload.tex, payload.display, payload.environment))
        elif kind == "open":
            assert isinstance(payload, _Group)
            if not payload.matched or payload.open_html is None:
                out.literal(start, text[start:end])
            elif not (payload.link and in_link):  # no link inside a link
                payload.tagged = True
                in_link += payload.link
                if payload.open_html:
                    out.tag(payload.open_html)
        elif kind == "close":
            if not isinstance(payload, _Group) or payload.open_html is None:
                out.literal(start, "}")
            elif payload.tagged:
                in_link -= payload.link
                if payload.close_html:
                    out.tag(payload.close_html)
        else:
            assert isinstance(payload, re.Match)
            _render_token(out, payload, kind, in_link > 0)
    body = out.html()
    if formulas:
        # Browser translation waits until MathJax has typeset the formulas (math.js).
        return f'<span class="tex notranslate" translate="no">{body}</span>'
    return body


def _render_token(out: _Writer, m: re.Match[str], kind: str, in_link: bool) -> None:
    start, end = m.span()
    if kind == "url" or kind == "bare":
        url = m.group("url_target") if kind == "url" else m.group()
        if kind == "bare":
            cut = _bare_url_end(url)
            url, rest = url[:cut], url[cut:]
        else:
            rest = ""
        text_start = start + 5 if kind == "url" else start
        linked = not in_link and _SAFE_URL.match(url)
        if linked:
            out.tag(_link_open(url))
        out.literal(text_start, url)
        if linked:
            out.tag("</a>")
        if rest:
            out.literal(start + cut, rest)
    elif kind == "accent":
        letter = tex_accents_to_unicode(m.group())
        if "\\" in letter:
            out.literal(start, m.group())
        else:
            out.atom(start, end, html.escape(letter))
    elif kind == "escaped":
        out.atom(start, end, _ESCAPED[m.group("escaped")])
    elif kind == "space":
        out.atom(start, end, _SPACES[m.group("space")])
    elif kind == "dash":
        out.atom(start, end, _DASHES[m.group()])
    elif kind == "quote":
        out.atom(start, end, _QUOTES[m.group()])
    else:  # nbsp
        out.atom(start, end, "\u00a0")


def _merged(marks: Sequence[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(marks):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def render(text: str, marks: Sequence[Span] = ()) -> SafeString:
    """`render_html` marked safe for templates."""
    return SafeString(render_html(text, marks))


def render_cached(text: str) -> SafeString:
    """A title or abstract as HTML, from the cache when this exact text was rendered before
    (a new version of a paper has a new text, so a new key)."""
    if not text:
        return SafeString("")
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    key = f"tex:{RENDERER_VERSION}:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = render_html(text)
        cache.set(key, cached, CACHE_TIMEOUT)
    return SafeString(cached)
