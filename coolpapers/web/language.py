"""The interface in the reader's language: English (the default) or Simplified Chinese.

A reader's language is the one the header's switch stored in the language cookie, else the
best match of the browser's Accept-Language, else English; URLs carry no language, so every
bookmark keeps working. Pages are cached per language (coolpapers.web.page_cache), and every
response says what it depends on (Vary: Accept-Language, Cookie) so a shared cache in front
of the site never gives one reader's language to another.

Paper content (titles, abstracts, authors, keywords, arXiv's category names) stays as arXiv
has it; on a page whose interface is not English it carries lang="en" (`content_lang`), so
screen readers pronounce it and browser translation offers to translate it.

The switch is a plain link (`/language?to=zh-hans&next=/arxiv/cs.CV`): cached pages hold no
CSRF token, so a POST form could not be posted from them; a language cookie is no secret
worth guarding, and `next` is checked to stay on this site. The scripts' strings come from
the gettext catalog served per language at /jsi18n/<language>.js: a script file (the CSP
allows no inline script) whose URL names its language, so it is cacheable by anyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext_noop
from django.utils.translation.trans_real import DjangoTranslation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.i18n import JavaScriptCatalog

# arXiv's eight groups head the home page; the names of archives and categories below them
# stay as arXiv has them (marked lang="en"). Listed here so makemessages finds them.
GROUP_NAMES = (
    gettext_noop("Computer Science"),
    gettext_noop("Economics"),
    gettext_noop("Electrical Engineering and Systems Science"),
    gettext_noop("Mathematics"),
    gettext_noop("Physics"),
    gettext_noop("Quantitative Biology"),
    gettext_noop("Quantitative Finance"),
    gettext_noop("Statistics"),
)

CONTENT_LANGUAGE = "en"  # what arXiv's metadata is written in
_CONTENT_LANG_ATTRIBUTE = SafeString(f' lang="{CONTENT_LANGUAGE}"')
CATALOG_MAX_AGE = 24 * 3600  # the scripts' strings change only with a release


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (cookie, then Accept-Language; no URL prefixes), whose
    responses also vary on Cookie: the language cookie overrides Accept-Language, so a
    shared cache keyed on Accept-Language alone would mix languages."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(response, "language_in_url", False):
            return response  # the same for every reader (the scripts' catalog)
        response = super().process_response(request, response)
        patch_vary_headers(response, ("Cookie",))
        return response


def is_english(language: str | None = None) -> bool:
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return language.split("-")[0] == CONTENT_LANGUAGE


def content_lang() -> SafeString:
    """` lang="en"` for paper content on a page whose interface is not English, else ''."""
    return SafeString("") if is_english() else _CONTENT_LANG_ATTRIBUTE


def _here(request: HttpRequest) -> str:
    """This page's URL to come back to: its path and the query its view reads (a cached
    page's request.GET holds only those), so no reader's junk parameters get into a page."""
    query = request.GET.urlencode()
    return f"{request.path}?{query}" if query else request.path


@cache
def catalog_version() -> str:
    """A digest of the compiled script catalogs, in the catalog's URL: a release with new
    strings gets a new URL, so browsers never keep last release's for CATALOG_MAX_AGE."""
    digest = hashlib.sha256()
    for directory in settings.LOCALE_PATHS:
        for path in sorted(Path(directory).glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the active language, its scripts' catalog, the switch to each other
    language (code, name, URL), and `content_lang` for the elements holding arXiv's text
    (`<h1{{ content_lang }}>`)."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    catalog = f"{reverse('jsi18n', args=[current])}?v={catalog_version()}"
    here = _here(request)
    switch = [
        (code, name, f"{reverse('language')}?{urlencode({'to': code, 'next': here})}")
        for code, name in settings.LANGUAGES
        if code != current
    ]
    return {
        "LANGUAGE_CODE": current,
        "content_lang": content_lang(),
        "language_switch": switch,
        "jsi18n_url": catalog,
    }


def _safe_next(request: HttpRequest) -> str:
    """Where to go back to: a path on this site, else the home page."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@never_cache
@require_safe
def switch_language(request: HttpRequest) -> HttpResponse:
    """Store the language in `to` in the language cookie and go back to `next`.

    A GET (links work without JS and from cached pages); an unknown language changes
    nothing. The redirect is never cached: it depends on the cookie it sets.
    """
    response = HttpResponseRedirect(_safe_next(request), status=303)
    language = request.GET.get("to", "")
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    response["X-Robots-Tag"] = "noindex"
    return response


class _ProjectCatalog(JavaScriptCatalog):
    """The djangojs catalog of the project's own locale/ alone (not the admin's strings)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        localedirs = [str(path) for path in settings.LOCALE_PATHS]
        self.translation = DjangoTranslation(
            translation.get_language(), domain=self.domain, localedirs=localedirs
        )
        return self.render_to_response(self.get_context_data(**kwargs))


_catalog_view: Callable[..., HttpResponse] = _ProjectCatalog.as_view()


@require_safe
def javascript_catalog(request: HttpRequest, language: str) -> HttpResponse:
    """The scripts' translations in `language` (gettext(), ngettext(), interpolate()), the
    same for every reader of that language, whatever their cookie or Accept-Language."""
    if language not in dict(settings.LANGUAGES):
        raise Http404("no such language")
    with translation.override(language):
        response = _catalog_view(request)
    patch_cache_control(response, public=True, max_age=CATALOG_MAX_AGE)
    response["Content-Language"] = language
    response.language_in_url = True  # LanguageMiddleware: no Vary
    return response
