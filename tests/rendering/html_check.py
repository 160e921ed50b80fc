"""Parse rendered HTML with html.parser and check it against an allow-list of tags and
attributes: whatever the input, no other markup may come out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

MATH_CLASSES = {"math notranslate", "math display notranslate"}
SPAN_CLASSES = {*MATH_CLASSES, "tex notranslate", "tex-sc"}
REL = "nofollow noopener"
TEX_TAGS = {"span", "a", "em", "strong", "code", "sup", "sub", "u", "mark"}
MARKDOWN_TAGS = {
    *("p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre", "a", "s"),
    *("ul", "ol", "li", "blockquote", "hr", "br", "span"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
VOID = {"hr", "br"}
WEB_URL = re.compile(r"https?://[^\s\"<>]+\Z", re.IGNORECASE)


@dataclass
class Checked:
    tags: list[str] = field(default_factory=list)
    math: list[str] = field(default_factory=list)  # text of each math span, unescaped
    links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self, allowed: set[str], markdown: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed, self.markdown = allowed, markdown
        self.result = Checked()
        self.stack: list[tuple[str, bool]] = []  # (tag, is a math span)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        result = self.result
        result.tags.append(tag)
        if tag not in self.allowed:
            result.problems.append(f"tag <{tag}>")
        given = dict(attrs)
        if len(given) != len(attrs):
            result.problems.append(f"repeated attribute on <{tag}>")
        in_math = any(math for _, math in self.stack)
        if in_math:
            result.problems.append(f"<{tag}> inside a formula")
        is_math = False
        for name, value in given.items():
            if not self._attribute_ok(tag, name, value or ""):
                result.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "span":
            css = given.get("class") or ""
            is_math = css in MATH_CLASSES
            protected = css in MATH_CLASSES or css == "tex notranslate"
            if protected and given.get("translate") != "no":
                result.problems.append(f"<span class={css!r}> without translate=no")
            if is_math:
                result.math.append("")
        if tag == "a":
            result.links.append(given.get("href") or "")
            if given.get("rel") != REL:
                result.problems.append(f"link without rel={REL!r}")
        if tag not in VOID:
            self.stack.append((tag, is_math))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.result.problems.append(f"unexpected </{tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][1]:
            self.result.math[-1] += data

    def handle_comment(self, data: str) -> None:
        self.result.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.result.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.result.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.result.problems.append("declaration")

    def _attribute_ok(self, tag: str, name: str, value: str) -> bool:
        if tag == "span":
            return (name == "class" and value in SPAN_CLASSES) or (
                name == "translate" and value == "no"
            )
        if tag == "a":
            if name == "rel":
                return value == REL
            if name != "href":
                return False
            if self.markdown:  # `[x]()` links to the page itself: harmless
                return bool(
                    value == ""
                    or WEB_URL.match(value)
                    or value.startswith("mailto:")
                    or (value.startswith(("/", "#")) and not value.startswith("//"))
                )
            return bool(WEB_URL.match(value))
        if tag in ("th", "td"):
            return name == "class" and value in {"align-left", "align-center", "align-right"}
        if tag == "code":
            # A fence's info string, escaped: whatever it holds stays one attribute value.
            return name == "class" and value.startswith("language-")
        if tag == "ol":
            return name == "start" and value.isdigit()
        return False


def check(html: str, markdown: bool = False) -> Checked:
    """The parsed output; `problems` lists everything outside the allow-list."""
    parser = _Parser(MARKDOWN_TAGS if markdown else TEX_TAGS, markdown)
    parser.feed(html)
    parser.close()
    if parser.stack:
        parser.result.problems.append(f"unclosed {[tag for tag, _ in parser.stack]}")
    return parser.result


def assert_safe(html: str, markdown: bool = False) -> Checked:
    result = check(html, markdown)
    assert not result.problems, (result.problems, html)
    return result


def unwrap_math(shown: str) -> str:
    r"""The TeX of a math span's text: without its \(…\), \[…\], $…$ or $$…$$."""
    for opening, closing in (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"), ("$", "$")):
        if shown.startswith(opening) and shown.endswith(closing) and len(shown) >= 2 * len(opening):
            return shown[len(opening) : len(shown) - len(closing)]
    return shown  # an environment is its own delimiter
