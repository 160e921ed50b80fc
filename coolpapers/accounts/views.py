"""Account pages beyond allauth's: your data (export, delete, API token), the merge offer,
and allauth's sign-in code page with the code from the mail's link filled in."""

from __future__ import annotations

import json
from typing import Any

from allauth.account.views import ConfirmLoginCodeView
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from coolpapers.accounts.export import account_data
from coolpapers.accounts.forms import DeleteAccountForm, MergeError, merge_input
from coolpapers.accounts.merge import MAX_PAPERS, merge
from coolpapers.library.models import Collection, Rating, ReadMark, SavedPaper
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.models import Paper

NEW_TOKEN_KEY = "accounts:new-token"


def _private(response: HttpResponse) -> HttpResponse:
    """A reader's own page: never stored by a browser cache or a proxy."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    return response


def _data_page(request: HttpRequest, form: DeleteAccountForm, status: int = 200) -> HttpResponse:
    user = request.user
    token = Token.objects.filter(user=user).first()
    context = {
        "delete_form": form,
        "token": token,
        "new_token": request.session.pop(NEW_TOKEN_KEY, None),
        "counts": {
            "collections": Collection.objects.filter(owner=user).count(),
            "saved": SavedPaper.objects.filter(collection__owner=user).count(),
            "ratings": Rating.objects.filter(collection__owner=user).count(),
            "read": ReadMark.objects.filter(owner=user).count(),
        },
    }
    return _private(render(request, "accounts/data.html", context, status=status))


@login_required
@require_GET
def your_data(request: HttpRequest) -> HttpResponse:
    return _data_page(request, DeleteAccountForm(user=request.user))


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Everything of the account as a JSON download (accounts.export)."""
    body = json.dumps(account_data(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"coolpapers-account-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private(response)


@login_required
@require_POST
def delete(request: HttpRequest) -> HttpResponse:
    """Delete the account and everything it holds (collections, ratings, marks, digests,
    token: all cascade), once its email is typed in; a wrong email is a 400, nothing gone."""
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return _data_page(request, form, status=400)
    user = request.user
    with transaction.atomic():
        logout(request)
        user.delete()
    return redirect("account_deleted")


@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/deleted.html")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """A new API token (replacing the old one), shown once on the next page."""
    with transaction.atomic():
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
    request.session[NEW_TOKEN_KEY] = token.key
    return redirect(reverse("account_data") + "#api")


@login_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    Token.objects.filter(user=request.user).delete()
    return redirect(reverse("account_data") + "#api")


def _next_url(request: HttpRequest, raw: str | None) -> str:
    """Where to go after the merge offer: a URL of this site, else the home page."""
    if raw and url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return raw
    return reverse("browse:home")


@login_required
@require_http_methods(["GET", "POST"])
def merge_page(request: HttpRequest) -> HttpResponse:
    """GET: the offer (accounts.js reads this browser's interests into a form of checkboxes,
    or goes straight on to `next` when there is nothing new). POST: merge what was ticked."""
    next_url = _next_url(request, request.POST.get("next") or request.GET.get("next"))
    context: dict[str, Any] = {"next_url": next_url}
    if request.method == "POST":
        try:
            keywords, papers = merge_input(request.POST)
        except MergeError as error:
            context["error"] = str(error)
            return _private(render(request, "accounts/merge.html", context, status=400))
        context["merged"] = merge(request.user, keywords, papers)
        context["offered"] = json.dumps({"keywords": keywords, "papers": papers})
        return _private(render(request, "accounts/merge_done.html", context))
    return _private(render(request, "accounts/merge.html", context))


@login_required
@require_GET
def merge_titles(request: HttpRequest) -> JsonResponse:
    """The titles of the papers the offer lists ({id: title}), ids the site lacks left out."""
    ids = []
    for raw in request.GET.get("ids", "").split(",")[:MAX_PAPERS]:
        try:
            ids.append(parse_arxiv_id(raw.strip()).id)
        except InvalidArxivId:
            continue
    titles = dict(Paper.objects.filter(pk__in=ids).values_list("pk", "title"))
    return JsonResponse({"titles": titles})


class FilledLoginCodeView(ConfirmLoginCodeView):
    """allauth's code page, with ?code= from the mail's link filled in (accounts.js then
    submits it: one click from the mail, in the browser that asked for the code)."""

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        code = self.request.GET.get("code", "").strip()
        if code and len(code) <= 64:
            initial["code"] = code
        return initial


confirm_login_code = FilledLoginCodeView.as_view()
