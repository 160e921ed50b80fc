"""Template helpers of the daily lists and paper pages.

The per-paper pieces that loop (authors, category chips) are built here in Python: a list page
renders 25 papers with up to thousands of authors, and template loops cost several times more.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from coolpapers.browse.listing import CategoryChip
from coolpapers.papers.arxiv_ids import abs_url
from coolpapers.papers.models import Paper
from coolpapers.papers.text import squash, tex_accents_to_unicode

register = template.Library()

AUTHORS_SHOWN = 40
_SAMPLE_ID = "0704.0001"


@register.filter
def author_name(name: str) -> str:
    """A name as readers expect it: arXiv's TeX accents (Bal\\'azs) as letters (Balázs)."""
    return tex_accents_to_unicode(squash(name))


@register.filter
def copy_text(paper: Paper) -> str:
    """What [Copy] puts on the clipboard: the source text, untouched by typesetting or
    browser translation of the page."""
    return "\n\n".join(
        [
            squash(paper.title),
            ", ".join(author_name(author) for author in paper.authors),
            squash(paper.abstract),
            abs_url(paper.arxiv_id),
        ]
    )


def _names(names: list[str]) -> SafeString:
    return format_html_join(
        ", ", '<span class="author">{}</span>', ((author_name(n),) for n in names)
    )


@register.simple_tag
def authors(paper: Paper) -> SafeString:
    """The first AUTHORS_SHOWN names, the rest behind a <details> that works without JS."""
    names = paper.authors
    if not names:
        return SafeString("")
    hidden = names[AUTHORS_SHOWN:]
    more = (
        format_html(
            ', <details class="more-authors"><summary>show all {} authors</summary>{}</details>',
            len(names),
            _names(hidden),
        )
        if hidden
        else ""
    )
    return format_html('<div class="authors">{}{}</div>', _names(names[:AUTHORS_SHOWN]), more)


@lru_cache(maxsize=4096)
def _list_url(script_prefix: str, code: str) -> str:
    try:
        return reverse("browse:list", args=[code])
    except NoReverseMatch:
        return ""


@register.filter
def category_url(code: str) -> str:
    """The daily list of one category; empty for a code no list URL can hold."""
    return _list_url(get_script_prefix(), code)


@lru_cache(maxsize=64)
def _around_id(script_prefix: str, view: str) -> tuple[str, str]:
    url = reverse(view, args=[_SAMPLE_ID])
    before, _, after = url.partition(_SAMPLE_ID)
    return before, after


@register.filter
def paper_url(arxiv_id: str, view: str = "browse:paper") -> str:
    """`{{ paper.arxiv_id|paper_url }}`, `{{ ...|paper_url:"browse:star" }}`: a URL of a paper's
    views. Ids need no quoting, so one reverse() per view serves every paper of a page."""
    before, after = _around_id(get_script_prefix(), view)
    return f"{before}{arxiv_id}{after}"


@register.simple_tag
def category_chips(chips: list[CategoryChip]) -> SafeString:
    """The paper's categories as links to their lists, primary first and marked."""
    html = [
        format_html(
            '<a class="cat{}" href="{}" title="{}{}">{}</a>{}',
            " primary" if chip.primary else "",
            category_url(chip.code),
            chip.name,
            " (primary category)" if chip.primary else "",
            chip.code,
            SafeString('<span class="visually-hidden"> (primary)</span>') if chip.primary else "",
        )
        for chip in chips
    ]
    return format_html('<p class="categories">{}</p>', SafeString(" ".join(html)))


@lru_cache(maxsize=8)
def _search_path(script_prefix: str) -> str:
    return reverse("search:search")


@register.simple_tag
def keyword_links(keywords: list[str]) -> SafeString:
    """A paper's keywords as searches for them; `data-keyword` keeps the word as stored for
    the reader's interests (browser translation may change the link text)."""
    if not keywords:
        return SafeString("")
    path = _search_path(get_script_prefix())
    links = format_html_join(
        " ",  # copied text keeps the words apart ("sensor validation", not "sensorvalidation")
        '<a class="keyword" href="{}?{}" data-keyword="{}">{}</a>',
        ((path, urlencode({"q": f'"{k}"'}), k, k) for k in keywords),
    )
    return format_html('<span class="keywords" aria-label="Keywords">{}</span>', links)
