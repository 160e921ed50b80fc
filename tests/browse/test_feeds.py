"""Atom feeds of daily lists: well-formed, valid Atom, the list's latest day."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from coolpapers.papers.models import Announcement, Paper

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root, root.findall(f"{ATOM}entry")


def test_feed_is_valid_atom_with_the_latest_day(client, sample_papers):
    root, entries = entries_of(client.get("/arxiv/cs.AI/feed"))
    # Required feed elements (RFC 4287 4.1.1): id, title, updated; author at feed level.
    assert root.findtext(f"{ATOM}id") == "http://testserver/arxiv/cs.AI/feed"
    assert root.findtext(f"{ATOM}title") == "cs.AI (Artificial Intelligence) — Cool Papers"
    assert root.findtext(f"{ATOM}updated")
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Cool Papers"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == "http://testserver/arxiv/cs.AI/feed"
    assert links["alternate"] == "http://testserver/arxiv/cs.AI?date=2025-11-05"

    latest = Announcement.objects.filter(paper__category_links__category_id="cs.AI").latest("date")
    expected = Paper.objects.filter(
        announcements__date=latest.date, category_links__category_id="cs.AI"
    )
    assert len(entries) == expected.count() == 2
    for entry in entries:
        # Required entry elements (RFC 4287 4.1.2): id, title, updated; a link as there is
        # no content element.
        arxiv_id = entry.findtext(f"{ATOM}id").rsplit("/arxiv/", 1)[1]
        paper = expected.get(pk=arxiv_id)
        assert entry.findtext(f"{ATOM}title") == " ".join(paper.title.split())
        assert entry.findtext(f"{ATOM}updated").startswith(latest.date.isoformat())
        assert entry.find(f"{ATOM}link").get("href") == f"http://testserver/arxiv/{arxiv_id}"
        assert entry.find(f"{ATOM}author/{ATOM}name").text == ", ".join(paper.authors)
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "html"
        assert summary.text.split()[:5] == paper.abstract.split()[:5]
        terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
        assert terms == paper.category_codes


def test_feed_of_a_union_with_exclusion(client, sample_papers):
    _, entries = entries_of(client.get("/arxiv/cs.CV+cs.AI-cs.LG/feed"))
    ids = [e.findtext(f"{ATOM}id").rsplit("/", 1)[1] for e in entries]
    assert ids and all(
        not Paper.objects.filter(pk=i, category_links__category_id="cs.LG").exists() for i in ids
    )


def test_feed_escapes_markup_in_abstracts(client, sample_papers):
    paper = Paper.objects.filter(category_links__category_id="cs.CL").first()
    paper.abstract = "Bounds for $a<b$ & <script>x</script>"
    paper.save()
    day = paper.announcements.get().date
    Announcement.objects.filter(date__gt=day).delete()
    _, entries = entries_of(client.get("/arxiv/cs.CL/feed"))
    summaries = [e.find(f"{ATOM}summary").text for e in entries]
    assert "Bounds for $a&lt;b$ &amp; &lt;script&gt;x&lt;/script&gt;" in summaries


HOSTILE_TEXT = dict(
    title="Bell\x07 and\x0bvertical tab\x1b[31m",
    abstract="Form\x0cfeed and a non-character\ufffe here.",
    authors=["Esc\x1bAuthor", "Del\x7f Roe", "Back\x08space"],
)


def hostile_paper(paper: Paper) -> Paper:
    """A paper stored before ingestion cleaned every field, with control characters in it (any
    but NUL, which PostgreSQL never stored)."""
    for name, value in HOSTILE_TEXT.items():
        setattr(paper, name, value)
    paper.save()
    return paper


def test_stored_control_characters_never_break_a_feed(client, sample_papers):
    paper = hostile_paper(Paper.objects.filter(category_links__category_id="cs.CL").first())
    Announcement.objects.filter(date__gt=paper.announcements.get().date).delete()
    _, entries = entries_of(client.get("/arxiv/cs.CL/feed"))
    entry = next(e for e in entries if e.findtext(f"{ATOM}id").endswith(paper.pk))
    assert entry.findtext(f"{ATOM}title") == "Bell and vertical tab[31m"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "EscAuthor, Del Roe, Backspace"
    assert entry.find(f"{ATOM}summary").text == "Form feed and a non-character here."


def test_stored_control_characters_never_break_a_search_feed(client, index):
    _, entries = entries_of(client.get("/arxiv/search/feed", {"q": "vision"}))
    paper = hostile_paper(Paper.objects.get(pk=entries[0].findtext(f"{ATOM}id").rsplit("/", 1)[1]))
    _, entries = entries_of(client.get("/arxiv/search/feed", {"q": "vision"}))
    assert entries[0].findtext(f"{ATOM}title") == "Bell and vertical tab[31m"
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "EscAuthor, Del Roe, Backspace"
    assert paper.title == HOSTILE_TEXT["title"]  # stored as it was: only the feed cleans it
