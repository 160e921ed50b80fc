"""Everything an account holds, as one JSON document (/accounts/data/export).

Each part of the site contributes a section: the library's is built here from its models;
other apps expose `account_data(user) -> dict` in a module named in SECTIONS, joined in when
that module exists (a part not installed, or not built yet, is simply left out)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from coolpapers.library.models import Collection, Rating, ReadMark, SavedPaper, SeenMark

FORMAT = "coolpapers-account/1"
# Other apps' sections: key in the export -> "module:function" returning JSON-ready values.
SECTIONS: dict[str, str] = {
    "digests": "coolpapers.digests.export:account_data",
}


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _section(path: str) -> Callable[[Any], Any] | None:
    module_name, _, name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    return getattr(module, name, None)


def library_data(user: Any) -> dict[str, Any]:
    """Collections with their papers, notes and ratings; read and seen marks."""
    saved: dict[int, list[dict]] = {}
    for item in SavedPaper.objects.filter(collection__owner=user).select_related("paper"):
        saved.setdefault(item.collection_id, []).append(
            {
                "arxiv_id": item.paper_id,
                "title": item.paper.title,
                "note": item.note,
                "added_at": _when(item.added_at),
                "updated_at": _when(item.updated_at),
            }
        )
    ratings: dict[int, list[dict]] = {}
    for rating in Rating.objects.filter(collection__owner=user):
        ratings.setdefault(rating.collection_id, []).append(
            {
                "arxiv_id": rating.paper_id,
                "rating": "up" if rating.value == Rating.UP else "down",
                "rated_at": _when(rating.rated_at),
            }
        )
    collections = []
    for collection in Collection.objects.filter(owner=user).order_by("created_at", "pk"):
        share_url = None
        if collection.share_token:
            share_url = f"{settings.SITE_URL}/shared/{collection.share_token}"
        collections.append(
            {
                "id": collection.pk,
                "name": collection.name,
                "description": collection.description,
                "is_profile": collection.is_profile,
                "keywords": [k.strip() for k in collection.keywords.split(",") if k.strip()],
                "share_url": share_url,
                "created_at": _when(collection.created_at),
                "updated_at": _when(collection.updated_at),
                "visited_at": _when(collection.visited_at),
                "papers": saved.get(collection.pk, []),
                "ratings": ratings.get(collection.pk, []),
            }
        )
    return {
        "collections": collections,
        "read": [
            {"arxiv_id": mark.paper_id, "read_at": _when(mark.read_at)}
            for mark in ReadMark.objects.filter(owner=user).order_by("-read_at", "pk")
        ],
        "seen": [
            {"arxiv_id": mark.paper_id, "seen_at": _when(mark.seen_at)}
            for mark in SeenMark.objects.filter(owner=user).order_by("-seen_at", "pk")
        ],
    }


def account_data(user: Any) -> dict[str, Any]:
    """The whole export: the account, the library, then each other app's section."""
    token = Token.objects.filter(user=user).first()
    data: dict[str, Any] = {
        "format": FORMAT,
        "site": settings.SITE_URL,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "emails": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            # The key itself is a password: not in a file that may be copied around.
            "api_token": {"created": _when(token.created)} if token else None,
            "data_page": settings.SITE_URL + reverse("account_data"),
        },
        **library_data(user),
    }
    for key, path in SECTIONS.items():
        section = _section(path)
        if section is not None:
            data[key] = section(user)
    return data
