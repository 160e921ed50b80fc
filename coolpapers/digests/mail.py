"""The digest email: a text and an HTML part listing a profile's top papers of a day, with a
signed one-click unsubscribe (RFC 8058) in its headers.

Mail clients typeset no TeX, so titles and abstract excerpts go through pylatexenc's
LaTeX-to-text converter (`$\\alpha$-stable` comes out with the Greek letter itself); links
are absolute (settings.SITE_URL), since a message has no page to be relative to.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext, ngettext, override

from coolpapers.library.models import Collection
from coolpapers.papers.models import Paper
from coolpapers.papers.text import clean_text, squash, tex_accents_to_unicode
from coolpapers.ranking.profiles import Scored

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "coolpapers.digests.unsubscribe"
MAX_AUTHORS = 6
EXCERPT_CHARS = 300
WHY_WORDS = 5

# A "%" not escaped as "\%" would start a TeX comment and swallow the rest of the line; a
# bare "&" would be read as an alignment tab and vanish.
_BARE_SPECIAL = re.compile(r"(?<!\\)([%&])")


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


@lru_cache(maxsize=8192)
def tex_to_text(text: str) -> str:
    """Readable Unicode text of a title or abstract with TeX (formulas, accents, commands)."""
    text = squash(clean_text(text or ""))
    if "\\" not in text and "$" not in text and "{" not in text:
        return text
    try:
        converted = _converter().latex_to_text(_BARE_SPECIAL.sub(r"\\\1", text))
    except Exception as error:  # pylatexenc is lenient; a parser surprise must not stop a digest
        log.info("TeX to text failed (%r); the text goes as it is", error)
        converted = tex_accents_to_unicode(text)
    return squash(converted) or text


def _head(text: str, limit: int) -> str:
    """The TeX source's start, enough for `limit` characters of text: cut at a space outside
    formulas, so only that much is converted (converting whole abstracts is the slow part)."""
    if len(text) <= 2 * limit:
        return text
    dollars = 0
    for i, char in enumerate(text):
        if char == "$" and (i == 0 or text[i - 1] != "\\"):
            dollars += 1
        elif char == " " and i >= 2 * limit and dollars % 2 == 0:
            return text[:i]
    return text


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of an abstract, cut at a word, with an ellipsis when cut."""
    source = squash(text or "")
    head = _head(source, limit)
    text = tex_to_text(head)
    if len(text) <= limit:
        return text if head == source else f"{text}…"
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut}…"


def authors_line(authors: list[str], limit: int = MAX_AUTHORS) -> str:
    names = [tex_accents_to_unicode(squash(name)) for name in authors or []]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + " " + gettext("et al.")


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_token(collection: Collection) -> str:
    """A signed token naming the profile (and its owner): no login needed to unsubscribe."""
    return signing.dumps([collection.pk, collection.owner_id], salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, int]:
    """(collection id, owner id) of a token; signing.BadSignature for a forged or cut one."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)):
        raise signing.BadSignature("unexpected token payload")
    return value[0], value[1]


def unsubscribe_url(collection: Collection) -> str:
    return absolute(reverse("digests:unsubscribe", args=[unsubscribe_token(collection)]))


def settings_url(collection: Collection) -> str:
    return absolute(reverse("digests:settings", args=[collection.pk]))


def foryou_url(collection: Collection) -> str:
    """The profile's For you page (the page of all profiles if it has none of its own)."""
    return absolute(reverse("foryou:profile", args=[collection.pk]))


@dataclass(frozen=True)
class Entry:
    """One paper of a digest or feed, as text."""

    arxiv_id: str
    title: str
    authors: str
    category: str
    url: str
    excerpt: str
    why: list[str] = field(default_factory=list)


def paper_entry(paper: Paper) -> Entry:
    """The paper as a digest shows it to everyone (a chunk makes it once for all readers)."""
    return Entry(
        arxiv_id=paper.arxiv_id,
        title=tex_to_text(paper.title),
        authors=authors_line(paper.authors),
        category=paper.primary_category_id,
        url=absolute(reverse("browse:paper", args=[paper.arxiv_id])),
        excerpt=excerpt(paper.abstract),
    )


def with_why(base: Entry, scored: Scored | None) -> Entry:
    """The paper for one reader: with the words that weighed most in their profile."""
    words = list(scored.why.words[:WHY_WORDS]) if scored and scored.why else []
    return replace(base, why=words) if words else base


def build_message(
    collection: Collection, to: str, day: date, entries: list[Entry]
) -> EmailMultiAlternatives:
    """The day's digest for one profile, ready for a connection's send_messages."""
    unsubscribe = unsubscribe_url(collection)
    with override(settings.LANGUAGE_CODE):
        day_text = formats.date_format(day, "DATE_FORMAT")
        context = {
            "collection": collection,
            "day": day,
            "day_text": day_text,
            "entries": entries,
            "unsubscribe_url": unsubscribe,
            "settings_url": settings_url(collection),
            "foryou_url": foryou_url(collection),
            "site_url": settings.SITE_URL,
        }
        subject = ngettext(
            "%(count)d paper for you in “%(profile)s” · %(day)s",
            "%(count)d papers for you in “%(profile)s” · %(day)s",
            len(entries),
        ) % {
            "count": len(entries),
            "profile": collection.name,
            "day": day_text,
        }
        text = render_to_string("digests/email.txt", context)
        html = render_to_string("digests/email.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Cool Papers digest <digest.{_host()}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _host() -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host or "localhost"
