"""The digest settings page of a profile, and the unsubscribe link of every digest email."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from coolpapers.digests.forms import DigestForm
from coolpapers.digests.mail import read_unsubscribe_token
from coolpapers.digests.models import Delivery, DigestSettings
from coolpapers.digests.sending import require_verified, verified_owner_ids
from coolpapers.library.models import Collection
from coolpapers.web.problems import Problem

ACTIONS = ("save", "feed-new", "feed-revoke")
NOTICES = ("saved", "feed-new", "feed-revoked")
RECENT = 7


def _url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def settings_of(collection: Collection) -> DigestSettings:
    """The profile's settings, unsaved defaults (digest off, 10 papers) if it has none yet."""
    found = DigestSettings.objects.filter(collection=collection).first()
    return found or DigestSettings(collection=collection)


def _page(
    request: HttpRequest,
    collection: Collection,
    digest: DigestSettings,
    form: DigestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    feed_url = None
    if digest.feed_token:
        feed_url = request.build_absolute_uri(reverse("digests:feed", args=[digest.feed_token]))
    verified = not require_verified() or user.pk in verified_owner_ids([user.pk])
    context = {
        "collection": collection,
        "digest": digest,
        "form": form,
        "size": form.data.get("size", digest.size) if form is not None else digest.size,
        "enabled": (form.data.get("enabled") == "on") if form is not None else digest.enabled,
        "errors": form.errors if form is not None else {},
        "feed_url": feed_url,
        "email": user.email,
        "verified": verified,
        "deliveries": list(Delivery.objects.filter(collection=collection)[:RECENT]),
        "notice": request.GET.get("done") if request.GET.get("done") in NOTICES else None,
        "collection_url": _url("library:collection", collection.pk),
        "email_url": _url("account_email"),
        "foryou_url": _url("foryou:profile", collection.pk),
    }
    response = render(request, "digests/settings.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request: HttpRequest, collection_id: int) -> HttpResponse:
    """Turn the profile's daily email on or off, choose how many papers, and create, replace
    or revoke its private feed address. Someone else's collection is a 404."""
    collection = get_object_or_404(Collection, pk=collection_id, owner=request.user)
    digest = settings_of(collection)
    if request.method != "POST":
        return _page(request, collection, digest)
    action = request.POST.get("action", "save")
    if action not in ACTIONS:
        reason = gettext("Unknown action %(action)r: expected save, feed-new or feed-revoke.") % {
            "action": action[:40]
        }
        return Problem(400, reason).response(request)
    done = action
    if action == "save":
        form = DigestForm(request.POST)
        if not form.is_valid():
            return _page(request, collection, digest, form, status=400)
        digest.enabled = form.cleaned_data["enabled"]
        digest.size = form.cleaned_data["size"]
        done = "saved"
    elif action == "feed-new":
        digest.new_feed_token()
    else:
        digest.feed_token = None
        done = "feed-revoked"
    digest.save()
    return HttpResponseRedirect(f"{reverse('digests:settings', args=[collection.pk])}?done={done}")


@csrf_exempt  # the signed token is the authority; mail providers POST without a form (RFC 8058)
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page that asks to confirm. POST (the page's button, or a mail client's
    one-click `List-Unsubscribe=One-Click`): the profile's digest is turned off, no login."""
    try:
        collection_id, owner_id = read_unsubscribe_token(token)
    except signing.BadSignature:
        reason = gettext(
            "This unsubscribe link is not valid: it may have been cut short. Copy the whole "
            "link from the email, or turn the digest off in the profile's digest settings."
        )
        return Problem(400, reason).response(request)
    collection = Collection.objects.filter(pk=collection_id, owner_id=owner_id).first()
    digest = DigestSettings.objects.filter(collection=collection).first() if collection else None
    state = "confirm"
    if digest is None or not digest.enabled:
        state = "off"
    if request.method == "POST" and digest is not None:
        DigestSettings.objects.filter(pk=digest.pk).update(enabled=False)
        state = "done"
    context = {
        "state": state,
        "collection": collection,
        "token": token,
        "settings_url": _url("digests:settings", collection.pk) if collection else None,
    }
    response = render(request, "digests/unsubscribe.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
