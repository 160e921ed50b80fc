"""Errors a reader can fix or should know about, as pages that say what was not found or
what is wrong with the request (404/400, 503 while a part is down), never a 500.

The reasons are sentences in the reader's language (gettext at the time of the request);
details quoted from a parser (a bad date, a malformed id) stay as the parser says them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from coolpapers.papers.arxiv_ids import InvalidArxivId, abs_url, parse_arxiv_id


class Problem(Exception):
    """A request that ends in an explanatory error page."""

    def __init__(self, status: int, reason: str, links: list[tuple[str, str]] | None = None):
        super().__init__(reason)
        self.status, self.reason, self.links = status, reason, links or []

    def response(self, request: HttpRequest) -> HttpResponse:
        template = "404.html" if self.status == 404 else "400.html"
        links = [*self.links, (gettext("All categories"), reverse("browse:home"))]
        title = gettext("Temporarily unavailable") if self.status == 503 else gettext("Bad request")
        context = {"reason": self.reason, "links": links, "title": title, "status": self.status}
        return render(request, template, context, status=self.status)


def canonical_redirect(request: HttpRequest, url: str) -> HttpResponsePermanentRedirect:
    """A 301 to the canonical form of the URL, with the query string kept."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(url + (f"?{query}" if query else ""))


def canonical_id(request: HttpRequest, raw: str, view: str) -> str | HttpResponse:
    """The canonical id, or the response to send instead: 400 for a malformed id, a 301 for
    any other accepted form of it (arXiv:…, …v2)."""
    try:
        arxiv_id = parse_arxiv_id(raw).id
    except InvalidArxivId as error:
        reason = gettext("Not an arXiv id: %(error)s.") % {"error": error}
        return Problem(400, reason).response(request)
    if arxiv_id != raw:
        return canonical_redirect(request, reverse(view, args=[arxiv_id]))
    return arxiv_id


def missing_paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The 404 of a well-formed id we do not have, with a link to it on arXiv."""
    links = [(gettext("%(id)s on arXiv") % {"id": arxiv_id}, abs_url(arxiv_id))]
    reason = gettext("Paper %(id)s is not in our database (yet).") % {"id": arxiv_id}
    return Problem(404, reason, links).response(request)
