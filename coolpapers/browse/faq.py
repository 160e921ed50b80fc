"""The FAQ pages: /arxiv/<id>/faq (the answer, or its progress) and the fragment htmx polls.

Not in the page cache: the answer changes every half second while it is written. A stored
answer is one indexed row read (no rendering: its HTML was stored with it). Asking is a POST
(a crawler following [FAQ] never spends tokens); with JavaScript the FAQ page posts it by
itself, so a click on [FAQ] is all a reader does. A provider that is down, a spent budget or a
site without a model gives a clear message and a Retry button, never a 500.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.views.decorators.http import require_GET, require_http_methods

from coolpapers.faq import services
from coolpapers.faq.models import FAQ, FaqStatus
from coolpapers.llm import base
from coolpapers.papers.models import Paper
from coolpapers.web.client import client_address
from coolpapers.web.problems import canonical_id, missing_paper

LANGUAGE_NAMES = {"en": "English", "zh-hans": "中文"}


def source_names(kinds: list[str]) -> str:
    """The prompt's sources, as the reader reads them ("title, abstract, staff notes")."""
    names = {
        "title": pgettext("faq source", "title"),
        "authors": pgettext("faq source", "authors"),
        "abstract": pgettext("faq source", "abstract"),
        "comments": pgettext("faq source", "comments"),
        "note": pgettext("faq source", "staff notes"),
    }
    return pgettext("faq sources separator", ", ").join(
        dict.fromkeys(names.get(kind, kind) for kind in kinds)
    )


def answer_language(request: HttpRequest) -> str:
    """?lang= when it names one of ours, else the interface language's."""
    asked = request.GET.get("lang") or request.POST.get("lang") or ""
    if asked in services.LANGUAGES:
        return asked
    return "zh-hans" if (get_language() or "").startswith("zh") else "en"


def _context(request: HttpRequest, paper: Paper, language: str, **extra) -> dict:
    faq = extra.pop("faq", None) or services.find(paper, language)
    page = reverse("browse:faq", args=[paper.arxiv_id])
    return {
        "paper": paper,
        "faq": faq,
        "language": language,
        "configured": base.configured(),
        "page_url": page,
        "fragment_url": reverse("browse:faq-fragment", args=[paper.arxiv_id]),
        "languages": [
            (code, name, f"{page}?lang={code}", code == language)
            for code, name in LANGUAGE_NAMES.items()
        ],
        "position": _position(faq),
        "sources_text": source_names(faq.sources) if faq is not None else "",
        **extra,
    }


def _position(faq: FAQ | None) -> int | None:
    """How many queued FAQs go before this one (the queue's own order)."""
    if faq is None or faq.status != FaqStatus.QUEUED:
        return None
    ahead = services.claimable().filter(status=FaqStatus.QUEUED).exclude(pk=faq.pk)
    earlier = ahead.filter(priority__lt=faq.priority) | ahead.filter(
        priority=faq.priority, requested_at__lt=faq.requested_at
    )
    return earlier.count()


def _paper(request: HttpRequest, arxiv_id: str, view: str) -> Paper | HttpResponse:
    canonical = canonical_id(request, arxiv_id, view)
    if isinstance(canonical, HttpResponse):
        return canonical
    paper = Paper.objects.filter(pk=canonical).first()
    return paper if paper is not None else missing_paper(request, canonical)


@require_http_methods(["GET", "HEAD", "POST"])
def faq_page(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """GET: the FAQ as it stands. POST: ask for it (or retry), then show it (htmx: the fragment;
    without JavaScript: a redirect back to the page)."""
    paper = _paper(request, arxiv_id, "browse:faq")
    if isinstance(paper, HttpResponse):
        return paper
    language = answer_language(request)
    if request.method == "POST":
        return _ask(request, paper, language)
    context = _context(request, paper, language, autostart=True)
    response = render(request, "faq/page.html", context)
    if context["faq"] is None or context["faq"].status != FaqStatus.DONE:
        response["X-Robots-Tag"] = "noindex"
    return response


def _ask(request: HttpRequest, paper: Paper, language: str) -> HttpResponse:
    status = 200
    problem = ""
    faq = None
    try:
        faq = services.request(paper, language, client_address(request.META))
    except base.BudgetExceeded as exc:
        problem, status = str(exc), 429
    except base.ProviderError as exc:
        problem, status = str(exc), 503
    htmx = request.headers.get("HX-Request") == "true"
    if not problem and not htmx:
        return redirect(f"{reverse('browse:faq', args=[paper.arxiv_id])}?lang={language}")
    context = _context(request, paper, language, faq=faq, problem=problem)
    if htmx:
        # htmx swaps 2xx answers only: the message replaces the form, with its Retry button.
        return render(request, "faq/_answer.html", context)
    return render(request, "faq/page.html", context, status=status)


@require_GET
def faq_fragment(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The answer's current state, which htmx polls every second while it is written (and the
    paper page loads into its FAQ section)."""
    paper = _paper(request, arxiv_id, "browse:faq-fragment")
    if isinstance(paper, HttpResponse):
        return paper
    language = answer_language(request)
    context = _context(request, paper, language, embedded=request.GET.get("embed") == "1")
    response = render(request, "faq/_answer.html", context)
    response["Cache-Control"] = "no-store"
    return response
