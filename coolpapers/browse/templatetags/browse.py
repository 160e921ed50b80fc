"""Template helpers of the daily lists and paper pages.

The per-paper pieces that loop (authors, category chips) are built here in Python: a list page
renders 25 papers with up to thousands of authors, and template loops cost several times more.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django import template
from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.backends.base import BaseCache
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext, pgettext

from coolpapers.browse.listing import CategoryChip
from coolpapers.papers.arxiv_ids import abs_url
from coolpapers.papers.models import Paper
from coolpapers.papers.text import squash, tex_accents_to_unicode
from coolpapers.web.language import content_lang

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
    """The names, in a lang="en" span on a page whose interface is not English."""
    html = format_html_join(
        ", ", '<span class="author">{}</span>', ((author_name(n),) for n in names)
    )
    lang = content_lang()
    return format_html("<span{}>{}</span>", lang, html) if lang else html


@register.simple_tag
def authors(paper: Paper) -> SafeString:
    """The first AUTHORS_SHOWN names, the rest behind a <details> that works without JS."""
    names = paper.authors
    if not names:
        return SafeString("")
    hidden = names[AUTHORS_SHOWN:]
    more = (
        format_html(
            ', <details class="more-authors"><summary>{}</summary>{}</details>',
            ngettext("show all %(count)d authors", "show all %(count)d authors", len(names))
            % {"count": len(names)},
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
    primary_title = gettext("%(name)s (primary category)")
    primary_note = format_html('<span class="visually-hidden"> ({})</span>', gettext("primary"))
    html = [
        format_html(
            '<a class="cat{}" href="{}" title="{}">{}</a>{}',
            " primary" if chip.primary else "",
            category_url(chip.code),
            primary_title % {"name": chip.name} if chip.primary else chip.name,
            chip.code,
            primary_note if chip.primary else "",
        )
        for chip in chips
    ]
    return format_html('<p class="categories">{}</p>', SafeString(" ".join(html)))


def _card_date_format() -> str:
    """A card's date format in the page's language: 18 Mar 2025, 2025年3月18日."""
    return pgettext("date format of a paper card", "j M Y")


@register.simple_tag
def paper_meta(paper: Paper, chips: list[CategoryChip]) -> SafeString:
    """A card's line of facts at a glance: arXiv id (to arXiv's abstract page), the day it
    was first announced (else submitted) and the categories. Only fields of the paper row
    and the chips every list already fetches: no query per card."""
    day = paper.announced or (paper.submitted and paper.submitted.date())
    when = ""
    if day:
        shown = date_format(day, _card_date_format())
        if paper.announced:
            label = gettext("Announced on arXiv on %(date)s") % {"date": shown}
        else:
            label = gettext("Submitted to arXiv on %(date)s") % {"date": shown}
        if paper.announced and paper.submitted:
            label += " " + gettext("(submitted %(date)s)") % {
                "date": date_format(paper.submitted.date(), _card_date_format())
            }
        when = format_html(
            ' <span class="meta-sep" aria-hidden="true">·</span> '
            '<time class="paper-date" datetime="{}" title="{}">{}</time>',
            day.isoformat(),
            label,
            shown,
        )
    return format_html(
        '<div class="paper-meta"><span class="paper-ref">'
        '<a class="paper-arxiv-id" href="{}" title="{}">arXiv:{}</a>{}</span>{}</div>',
        abs_url(paper.arxiv_id),
        gettext("The abstract page on arXiv"),
        paper.arxiv_id,
        when,
        category_chips(chips),
    )


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
    lang = content_lang()  # the words are the paper's: lang="en" in another interface
    links = format_html_join(
        " ",  # copied text keeps the words apart ("sensor validation", not "sensorvalidation")
        '<a class="keyword" href="{}?{}" data-keyword="{}"{}>{}</a>',
        ((path, urlencode({"q": f'"{k}"'}), k, lang, k) for k in keywords),
    )
    return format_html(
        '<span class="keywords" aria-label="{}">{}</span>', gettext("Keywords"), links
    )


@register.simple_tag
def word_list(words: list[str]) -> SafeString:
    """The searched words of a partial match notice, each in <strong>, as a list in the
    page's language: "a, b and c" (English), "a、b 和 c" (Chinese)."""
    items = [format_html("<strong>{}</strong>", word) for word in words]
    if len(items) < 2:
        return SafeString("".join(items))
    head = SafeString(pgettext("joins words of a list", ", ").join(items[:-1]))
    return format_html(
        pgettext("the last two words of a list", "{first} and {last}"),
        first=head,
        last=items[-1],
    )


class PaperFragmentNode(template.Node):
    """`{% paper_fragment "name" paper [more…] %}…{% endpaper_fragment %}`: a part of a paper's card
    that is the same for every reader, rendered once per paper, content and language.

    A For you page renders its 25 cards for each reader (signed-in pages are never page
    cached), and Django's template engine spends about a millisecond on each card's facts,
    authors and abstract. The key holds the paper's content hash and modification time, so an
    ingested change makes a new key and no invalidation is needed; `more` are values the
    fragment also depends on (a search's highlighted abstract). Fragments live in the
    `template_fragments` cache (each process's memory), else the default one.
    """

    def __init__(self, nodelist: template.NodeList, name: str, paper: Any, more: list[Any]):
        self.nodelist, self.name, self.paper, self.more = nodelist, name, paper, more

    def render(self, context: template.Context) -> str:
        paper = self.paper.resolve(context)
        parts = [
            self.name,
            paper.pk,
            paper.content_hash,
            paper.modified_at.isoformat() if paper.modified_at else "",
            get_language() or "",
            *(str(value.resolve(context)) for value in self.more),
        ]
        key = "card:" + hashlib.md5("\0".join(parts).encode(), usedforsecurity=False).hexdigest()
        store = fragment_cache()
        html = store.get(key)
        if html is None:
            html = self.nodelist.render(context)
            store.set(key, html, FRAGMENT_SECONDS)
        return html


FRAGMENT_SECONDS = 24 * 3600


def fragment_cache() -> BaseCache:
    try:
        return caches["template_fragments"]
    except InvalidCacheBackendError:
        return caches["default"]


@register.tag
def paper_fragment(parser: template.base.Parser, token: template.base.Token) -> PaperFragmentNode:
    bits = token.split_contents()
    if len(bits) < 3 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('{% paper_fragment "name" paper [more…] %}')
    nodelist = parser.parse(("endpaper_fragment",))
    parser.delete_first_token()
    values = [parser.compile_filter(bit) for bit in bits[2:]]
    return PaperFragmentNode(nodelist, bits[1][1:-1], values[0], values[1:])
