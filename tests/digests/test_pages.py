"""The digest settings page, the private Atom feed and the account export's digest part."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse

from coolpapers.digests.export import account_data
from coolpapers.digests.models import Delivery, DigestSettings
from coolpapers.library.models import Collection
from tests.digests.conftest import announce_today, make_reader

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def settings_url(collection: Collection) -> str:
    return reverse("digests:settings", args=[collection.pk])


def test_the_page_is_the_owners_alone() -> None:
    ann, profile = make_reader("ann")
    bob, _ = make_reader("bob")
    url = settings_url(profile)
    assert url == f"/library/{profile.pk}/digest"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/" in anonymous["Location"]
    assert signed_in(bob).get(url).status_code == 404
    assert signed_in(bob).post(url, {"enabled": "on", "size": "5"}).status_code == 404
    page = signed_in(ann).get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert "Daily digest of “ann&#x27;s profile”" in page.content.decode()


def test_turning_the_email_on_with_a_size() -> None:
    user, _ = make_reader("ann")
    profile = Collection.objects.create(owner=user, name="Robots")  # no settings row yet
    client = signed_in(user)
    page = client.get(settings_url(profile))
    assert page.status_code == 200 and 'name="enabled"' in page.content.decode()
    assert not DigestSettings.objects.filter(collection=profile).exists()  # GET writes nothing

    done = client.post(settings_url(profile), {"action": "save", "enabled": "on", "size": "7"})
    assert done.status_code == 302 and done["Location"].endswith("?done=saved")
    row = DigestSettings.objects.get(collection=profile)
    assert (row.enabled, row.size) == (True, 7)
    assert "the daily email lists 7 papers" in client.get(done["Location"]).content.decode()

    client.post(settings_url(profile), {"action": "save", "size": "7"})  # unchecked: off
    assert not DigestSettings.objects.get(collection=profile).enabled


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("0", "at least 1"),
        ("51", "at most 50"),
        ("ten", "whole number"),
        ("", "how many papers"),
        ("3.5", "whole number"),
    ],
)
def test_a_bad_size_is_a_400_beside_the_field_and_nothing_is_saved(size, message) -> None:
    user, profile = make_reader("ann", size=5, enabled=False)
    response = signed_in(user).post(settings_url(profile), {"enabled": "on", "size": size})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="digest-size-error"' in html and message in html
    assert 'aria-invalid="true"' in html
    row = DigestSettings.objects.get(collection=profile)
    assert (row.enabled, row.size) == (False, 5)


def test_an_unknown_action_is_a_400() -> None:
    user, profile = make_reader("ann")
    response = signed_in(user).post(settings_url(profile), {"action": "explode"})
    assert response.status_code == 400 and b"Unknown action" in response.content


def test_unconfirmed_address_is_said_on_the_page() -> None:
    user, profile = make_reader("ann", verified=False)
    html = signed_in(user).get(settings_url(profile)).content.decode()
    assert "Digests go only to a confirmed address" in html


def test_private_feed_create_read_replace_revoke(papers) -> None:
    day = announce_today(8)
    user, profile = make_reader("ann", size=4)
    client = signed_in(user)
    assert "Create a private feed" in client.get(settings_url(profile)).content.decode()

    client.post(settings_url(profile), {"action": "feed-new"})
    token = DigestSettings.objects.get(collection=profile).feed_token
    assert token and len(token) >= 40
    feed_path = f"/feeds/{token}.atom"
    assert feed_path in client.get(settings_url(profile)).content.decode()

    feed = Client().get(feed_path)  # a feed reader: no session
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert feed["Cache-Control"] == "private, max-age=300" and feed["X-Robots-Tag"] == "noindex"
    root = ElementTree.fromstring(feed.content)
    entries = root.findall(f"{ATOM}entry")
    # 4 a day, for each of the latest announcement days (the new one and the fixture's).
    assert 4 < len(entries) <= 4 * 5
    assert len({e.find(f"{ATOM}id").text for e in entries}) == len(entries)
    first = entries[0]
    assert first.find(f"{ATOM}updated").text.startswith(day.isoformat())
    assert first.find(f"{ATOM}link").get("href").startswith("http://testserver/arxiv/")
    assert "ann's profile" in root.find(f"{ATOM}title").text

    client.post(settings_url(profile), {"action": "feed-new"})
    assert Client().get(feed_path).status_code == 404  # the old address is dead at once
    new_token = DigestSettings.objects.get(collection=profile).feed_token
    assert Client().get(f"/feeds/{new_token}.atom").status_code == 200

    client.post(settings_url(profile), {"action": "feed-revoke"})
    assert DigestSettings.objects.get(collection=profile).feed_token is None
    assert Client().get(f"/feeds/{new_token}.atom").status_code == 404
    assert Client().get("/feeds/nothing.atom").status_code == 404


def test_account_export_holds_settings_and_deliveries(papers) -> None:
    day = announce_today(3)
    user, profile = make_reader("ann", size=6)
    row = DigestSettings.objects.get(collection=profile)
    row.new_feed_token()
    row.save()
    Delivery.objects.create(collection=profile, day=day, status=Delivery.SENT, papers=["x"])
    make_reader("bob")  # someone else's: not in ann's export

    data = account_data(user)
    assert data == {
        "profiles": [
            {
                "collection_id": profile.pk,
                "collection": "ann's profile",
                "email_enabled": True,
                "papers_per_email": 6,
                "feed_url": f"http://127.0.0.1:8000/feeds/{row.feed_token}.atom",
                "last_sent_day": None,
                "deliveries": [
                    {"day": day.isoformat(), "status": "sent", "papers": ["x"], "sent_at": None}
                ],
            }
        ]
    }


def test_deleting_the_profile_or_account_deletes_its_digest() -> None:
    _, profile = make_reader("ann")
    profile.delete()
    assert not DigestSettings.objects.exists()
    user2, _ = make_reader("bob")
    user2.delete()
    assert not DigestSettings.objects.exists() and not Delivery.objects.exists()
