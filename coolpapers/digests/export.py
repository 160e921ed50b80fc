"""The digest part of an account's data export (coolpapers.accounts joins it in)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from coolpapers.digests.models import Delivery, DigestSettings


def account_data(user: Any) -> dict:
    """Every profile's digest settings and the digests it was sent, as JSON-ready values
    (the export holds it under "digests")."""
    rows = DigestSettings.objects.filter(collection__owner=user).select_related("collection")
    deliveries: dict[int, list[dict]] = {}
    for delivery in Delivery.objects.filter(collection__owner=user).order_by("-day"):
        deliveries.setdefault(delivery.collection_id, []).append(
            {
                "day": delivery.day.isoformat(),
                "status": delivery.status,
                "papers": delivery.papers,
                "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
            }
        )
    digests = []
    for row in rows.order_by("collection__created_at", "collection_id"):
        feed = None
        if row.feed_token:
            feed = settings.SITE_URL + reverse("digests:feed", args=[row.feed_token])
        digests.append(
            {
                "collection_id": row.collection_id,
                "collection": row.collection.name,
                "email_enabled": row.enabled,
                "papers_per_email": row.size,
                "feed_url": feed,
                "last_sent_day": row.last_sent_day.isoformat() if row.last_sent_day else None,
                "deliveries": deliveries.pop(row.collection_id, []),
            }
        )
    # Digests sent to a profile whose settings row is gone (none today; kept for safety).
    for collection_id, sent in deliveries.items():
        digests.append({"collection_id": collection_id, "deliveries": sent})
    return {"profiles": digests}
