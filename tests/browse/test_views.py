"""Home, daily lists and their chunks over HTTP: every URL form, every error, query counts."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.test import Client

from coolpapers.browse.listing import PAGE_SIZE
from coolpapers.papers.models import Announcement, Paper, PaperCategory
from tests.browse.conftest import SAMPLE_BUSY_DAY, SAMPLE_LATEST_CV_DAY, SAMPLE_SMALL_CV_DAY

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """The bits of a page the tests look at: papers, links, scripts, event handlers."""

    def __init__(self, html: str):
        super().__init__()
        self.papers: list[str] = []
        self.kinds: dict[str, str] = {}
        self.links: dict[str, str] = {}  # rel or class -> href
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.sentinel: dict[str, str] | None = None
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.handlers += [k for k in attrs if k.startswith("on")]
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1
        if tag == "article" and "paper" in attrs.get("class", "").split():
            self.papers.append(attrs["data-arxiv-id"])
            kind = next((c for c in attrs["class"].split() if c.startswith("paper-")), "paper-new")
            self.kinds[attrs["data-arxiv-id"]] = kind.removeprefix("paper-")
        if tag == "a":
            for key in (attrs.get("rel", ""), *attrs.get("class", "").split()):
                if key:
                    self.links.setdefault(key, attrs.get("href", ""))
        if tag == "link" and attrs.get("rel"):
            self.links.setdefault(attrs["rel"], attrs.get("href", ""))
        if tag == "div" and "sentinel" in attrs.get("class", "").split():
            self.sentinel = attrs

    def handle_data(self, data):
        self.text += data


def page(response) -> Page:
    return Page(response.content.decode())


def day_ids(category: str, day: date) -> list[str]:
    """The papers of a category's day in arXiv order, computed independently of the views."""
    rows = Announcement.objects.filter(date=day, paper__category_links__category_id=category)
    papers = Paper.objects.filter(pk__in=rows.values("paper_id"))
    new = sorted(p.pk for p in papers if p.primary_category_id == category)
    cross = sorted(p.pk for p in papers if p.primary_category_id != category)
    return new + cross


def assert_no_inline_js(parsed: Page) -> None:
    assert parsed.inline_scripts == 0
    assert parsed.handlers == []


# --- home -----------------------------------------------------------------------------------


def test_home_lists_groups_archives_categories_with_latest_counts(client, sample_papers):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    parsed = page(response)
    assert_no_inline_js(parsed)
    latest = Announcement.objects.latest("date").date
    assert latest.isoformat() in html and latest.strftime("%-d %B %Y") in html
    for heading in ("Computer Science", "Physics", "Mathematics", "Astrophysics"):
        assert heading in html
    # Counts are those of the latest day: the 2 cs.AI papers of 2026-04-27 in the sample.
    counts = dict(
        re.findall(r'data-code="([^"]+)">.*?<span class="count[^"]*"[^>]*>(\d+)</span>', html, re.S)
    )
    expected = PaperCategory.objects.filter(paper__announcements__date=latest)
    assert expected.exists()
    for link in expected:
        code = link.category_id
        assert int(counts[code]) == expected.filter(category_id=code).count()
    assert counts["hep-th"] == "0"
    assert 'action="/arxiv/search"' in html and 'name="q"' in html
    assert 'class="pin"' in html and 'id="pinned"' in html


def test_home_without_papers(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "No papers have been loaded yet" in response.content.decode()


# --- daily lists ----------------------------------------------------------------------------


def test_list_defaults_to_the_latest_day_of_its_spec(client, sample_papers):
    response = client.get("/arxiv/cs.CV")
    assert response.status_code == 200
    parsed = page(response)
    assert_no_inline_js(parsed)
    assert parsed.papers == day_ids("cs.CV", SAMPLE_LATEST_CV_DAY)
    html = response.content.decode()
    assert 'datetime="2025-11-05"' in html
    # Previous day link, no next day, and the date picker.
    assert parsed.links["prev"] == "/arxiv/cs.CV?date=2025-04-10"
    assert "next" not in parsed.links
    assert 'type="date" name="date" value="2025-11-05"' in html
    assert parsed.sentinel is None and "End of the list: 1 paper." in html
    assert parsed.links["alternate"] == "/arxiv/cs.CV/feed"
    assert parsed.links["canonical"] == "http://testserver/arxiv/cs.CV?date=2025-11-05"


def test_first_page_has_25_papers_and_a_lazy_sentinel(client, sample_papers):
    response = client.get("/arxiv/cs.CV", {"date": SAMPLE_BUSY_DAY.isoformat()})
    parsed = page(response)
    expected = day_ids("cs.CV", SAMPLE_BUSY_DAY)
    assert len(expected) == 50
    assert parsed.papers == expected[:PAGE_SIZE]
    assert parsed.links["next"] == "/arxiv/cs.CV?date=2025-03-25"
    assert "prev" not in parsed.links  # nothing in cs.CV before 2025-03-18 in the sample
    sentinel = parsed.sentinel
    assert sentinel["hx-get"] == "/arxiv/cs.CV/chunk?date=2025-03-18&page=2"
    assert sentinel["hx-trigger"] == "revealed"
    assert sentinel["hx-swap"] == "outerHTML"
    assert sentinel["hx-replace-url"] == "/arxiv/cs.CV?date=2025-03-18&page=2"
    # Without JavaScript the link shows pages 1-2, landing where page 2 starts.
    assert parsed.links["load-more"] == "/arxiv/cs.CV?date=2025-03-18&page=2#page-2"
    assert 'class="htmx-indicator"' in response.content.decode()
    new = Paper.objects.filter(pk__in=expected, primary_category_id="cs.CV").count()
    assert 0 < new < 50
    assert f"50 papers: {new} new, {50 - new} cross-lists, 0 replacements" in parsed.text


def test_chunk_and_load_more_page_continue_the_list(client, sample_papers):
    expected = day_ids("cs.CV", SAMPLE_BUSY_DAY)
    chunk = client.get("/arxiv/cs.CV/chunk", {"date": "2025-03-18", "page": "2"})
    assert chunk.status_code == 200
    html = chunk.content.decode()
    assert not html.lstrip().startswith("<!doctype")  # a fragment, not a page
    parsed = page(chunk)
    assert parsed.papers == expected[PAGE_SIZE:]
    assert parsed.sentinel is None and "End of the list: 50 papers" in html
    assert '<section class="chunk" id="page-2" data-page="2">' in html
    # The whole page for page=2 (the address the chunk writes, the no-JS link) shows the
    # pages before it too: a reload or Back finds the papers above where the reader was.
    full = client.get("/arxiv/cs.CV", {"date": "2025-03-18", "page": "2"})
    full_page = page(full)
    assert full_page.papers == expected
    assert "earlier-papers" not in full_page.links
    full_html = full.content.decode()
    assert full_html.index('id="page-1"') < full_html.index('id="page-2"')
    assert full_html.index('id="page-2"') < full_html.index(f'id="{expected[PAGE_SIZE]}"')
    assert ">26.</span>" in full_html and "End of the list: 50 papers" in full_html


def test_union_and_exclusion_lists(client, sample_papers):
    day = SAMPLE_BUSY_DAY.isoformat()
    cv = set(day_ids("cs.CV", SAMPLE_BUSY_DAY))
    ai = set(day_ids("cs.AI", SAMPLE_BUSY_DAY))
    lg = set(day_ids("cs.LG", SAMPLE_BUSY_DAY))

    def all_ids(spec: str) -> list[str]:
        ids, number = [], 1
        while True:
            response = client.get(f"/arxiv/{spec}/chunk", {"date": day, "page": number})
            assert response.status_code == 200
            parsed = page(response)
            ids += parsed.papers
            if parsed.sentinel is None:
                return ids
            number += 1

    union = all_ids("cs.AI,cs.CV")
    assert set(union) == cv | ai and len(union) == len(set(union))
    difference = all_ids("cs.CV+cs.AI-cs.LG")
    assert set(difference) == (cv | ai) - lg and lg & (cv | ai)
    # A paper whose primary category is outside the spec is a cross-list of it.
    parsed = page(client.get("/arxiv/cs.AI", {"date": day}))
    for arxiv_id, kind in parsed.kinds.items():
        primary = Paper.objects.get(pk=arxiv_id).primary_category_id
        assert kind == ("new" if primary == "cs.AI" else "cross")


def test_announcement_kinds_order_and_marks(client, sample_papers):
    ids = day_ids("cs.CV", SAMPLE_BUSY_DAY)
    first_new, second_new = ids[0], ids[1]
    Announcement.objects.filter(paper_id=first_new, date=SAMPLE_BUSY_DAY).update(kind="replace")
    Announcement.objects.filter(paper_id=second_new, date=SAMPLE_BUSY_DAY).update(kind="cross")
    response = client.get("/arxiv/cs.CV/chunk", {"date": "2025-03-18", "page": "2"})
    parsed = page(response)
    assert parsed.papers[-1] == first_new and parsed.kinds[first_new] == "replace"
    assert "badge-replace" in response.content.decode()
    first = page(client.get("/arxiv/cs.CV", {"date": "2025-03-18"}))
    assert second_new not in first.papers[:2]
    cross = 1 + Paper.objects.filter(pk__in=ids).exclude(primary_category_id="cs.CV").count()
    assert "1 replacement" in first.text and f"{cross} cross-lists" in first.text


def test_paper_entry_shows_everything(client, sample_papers):
    paper = Paper.objects.get(pk=day_ids("cs.CV", SAMPLE_SMALL_CV_DAY)[0])
    html = client.get("/arxiv/cs.CV", {"date": "2025-03-25"}).content.decode()
    entry = html[html.index(f'id="{paper.pk}"') :]
    entry = entry[: entry.index("</article>")]
    assert f'href="/arxiv/{paper.pk}"' in entry
    assert f'href="https://arxiv.org/pdf/{paper.pk}"' in entry
    assert f'data-star-url="/arxiv/{paper.pk}/star"' in entry
    assert 'class="action action-copy" data-copy="' in entry
    assert f'class="cat primary" href="/arxiv/{paper.primary_category_id}"' in entry
    assert 'class="star-count">0<' in entry
    assert paper.authors[0] in entry


def test_many_authors_collapse_after_40_without_js(client, abs_papers):
    lhcb = Paper.objects.get(pk="2103.11058")
    assert len(lhcb.authors) > 40
    day = Announcement.objects.get(paper=lhcb).date.isoformat()
    html = client.get("/arxiv/hep-ex", {"date": day}).content.decode()
    visible, _, hidden = html.partition('<details class="more-authors">')
    assert f"show all {len(lhcb.authors)} authors" in hidden
    assert visible.count('class="author"') == 40 and "R. Aaij" in visible
    assert hidden.count('class="author"') == len(lhcb.authors) - 40
    assert "G. Zunica" in hidden


def test_sort_by_stars(client, sample_papers):
    from coolpapers.browse.models import Star

    ids = day_ids("cs.CV", SAMPLE_BUSY_DAY)
    favourite, runner_up = ids[40], ids[30]
    for n, key in enumerate("abc"):
        Star.objects.create(paper_id=favourite, client_key=key, day=date(2025, 3, 19))
        if n < 2:
            Star.objects.create(paper_id=runner_up, client_key=key, day=date(2025, 3, 19))
    parsed = page(client.get("/arxiv/cs.CV", {"date": "2025-03-18", "sort": "stars"}))
    assert parsed.papers[:2] == [favourite, runner_up]
    assert parsed.sentinel["hx-get"] == "/arxiv/cs.CV/chunk?date=2025-03-18&sort=stars&page=2"
    rest = page(
        client.get("/arxiv/cs.CV/chunk", {"date": "2025-03-18", "sort": "stars", "page": 2})
    )
    assert sorted(parsed.papers + rest.papers) == sorted(ids)
    assert page(client.get("/arxiv/cs.CV", {"date": "2025-03-18"})).papers[0] == ids[0]


def test_non_canonical_spec_redirects_with_its_query(client, sample_papers):
    response = client.get("/arxiv/cs.cv", {"date": "2025-03-18"})
    assert response.status_code == 301
    assert response["Location"] == "/arxiv/cs.CV?date=2025-03-18"
    response = client.get("/arxiv/cs.AI+cs.CV")
    assert (response.status_code, response["Location"]) == (301, "/arxiv/cs.AI,cs.CV")
    response = client.get("/arxiv/cs.AI,cs.CV-cs.LG/feed")
    assert (response.status_code, response["Location"]) == (301, "/arxiv/cs.AI+cs.CV-cs.LG/feed")


# --- errors ---------------------------------------------------------------------------------


def reason(response) -> str:
    match = re.search(r'<p class="reason">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    ("url", "params", "status", "message"),
    [
        ("/arxiv/cs.XX", {}, 404, "There is no arXiv category cs.XX."),
        ("/arxiv/cs.CV+cs.XX,foo", {}, 404, "no arXiv categories cs.XX, foo"),
        ("/arxiv/cs.A1", {}, 400, "cannot appear in a category list"),
        ("/arxiv/cs.AI,,cs.CV", {}, 400, "empty entry"),
        ("/arxiv/cs.AI-cs.AI", {}, 400, "both included and excluded"),
        ("/arxiv/-cs.AI", {}, 400, "includes none"),
        ("/arxiv/cs.CV", {"date": "2025-3-18"}, 400, "is not a date; use YYYY-MM-DD"),
        ("/arxiv/cs.CV", {"date": "2025-02-30"}, 400, "is not a date"),
        ("/arxiv/cs.CV", {"date": "2025-W12-2"}, 400, "is not a date"),
        ("/arxiv/cs.CV", {"page": "0"}, 400, "is not a page number"),
        ("/arxiv/cs.CV", {"page": "two"}, 400, "is not a page number"),
        ("/arxiv/cs.CV", {"page": "9" * 40}, 400, "is not a page number"),
        ("/arxiv/cs.CV", {"page": "1e3"}, 400, "is not a page number"),
        ("/arxiv/cs.CV", {"sort": "random"}, 400, "sort=&#x27;random&#x27; is unknown"),
        (
            "/arxiv/cs.CV",
            {"date": "2025-03-20"},
            404,
            "No papers in cs.CV were announced on 2025-03-20.",
        ),
        (
            "/arxiv/cs.CV",
            {"date": "2025-03-25", "page": "2"},
            404,
            "Page 2 is past the end: cs.CV on 2025-03-25 has 4 papers on 1 page.",
        ),
        (
            "/arxiv/cs.CV",
            {"date": "2025-03-18", "page": "99999"},
            404,
            "Page 99999 is past the end",
        ),
        ("/arxiv/hep-lat", {}, 404, "No papers in hep-lat have been announced yet."),
        ("/arxiv/cs.CV/chunk", {"date": "2025-03-18", "page": "3"}, 404, "Page 3 is past the end"),
        ("/arxiv/cs.CV/chunk", {"date": "nope"}, 400, "is not a date"),
        ("/arxiv/cs.XX/chunk", {}, 404, "no arXiv category cs.XX"),
        ("/arxiv/cs.XX/feed", {}, 404, "no arXiv category cs.XX"),
        ("/arxiv/cs.A1/feed", {}, 400, "cannot appear"),
        ("/arxiv/hep-lat/feed", {}, 404, "No papers in hep-lat"),
    ],
)
def test_errors_say_what_and_link_back(client, sample_papers, url, params, status, message):
    response = client.get(url, params)
    assert response.status_code == status
    assert message in reason(response)
    assert 'href="/">All categories</a>' in response.content.decode()
    assert_no_inline_js(page(response))


def test_a_day_without_papers_links_to_the_neighbouring_days(client, sample_papers):
    html = client.get("/arxiv/cs.CV", {"date": "2025-03-20"}).content.decode()
    assert 'href="/arxiv/cs.CV?date=2025-03-18">← 2025-03-18</a>' in html
    assert 'href="/arxiv/cs.CV?date=2025-03-25">2025-03-25 →</a>' in html


def test_unmatched_urls_use_the_site_404(client, db):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Nothing lives at" in response.content.decode()


def test_search_is_left_to_the_search_app(client, db):
    """/arxiv/search is not a category list, whatever answers it."""
    response = client.get("/arxiv/search", {"q": "x"})
    assert "category" not in reason(response)


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "papers"),
    [
        ("/arxiv/cs.CV", {"date": "2025-03-18"}, 25),  # a full first page of 50
        ("/arxiv/cs.CV", {"date": "2025-03-25"}, 4),
        ("/arxiv/cs.CL", {"date": "2025-03-28"}, 2),
        ("/arxiv/cs.CV+cs.AI-cs.LG", {"date": "2025-03-18", "sort": "stars"}, 25),
    ],
)
def test_list_page_queries_do_not_grow_with_the_list(
    client, sample_papers, django_assert_num_queries, url, params, papers
):
    # categories, size probe, counts, page rows, categories of the page, previous/next day
    with django_assert_num_queries(7):
        response = client.get(url, params)
    assert len(page(response).papers) == papers


@pytest.mark.parametrize(
    ("params", "papers"),
    [({"date": "2025-03-18", "page": "2"}, 25), ({"date": "2025-03-25"}, 4)],
)
def test_chunk_queries_do_not_grow_with_the_list(
    client, sample_papers, django_assert_num_queries, params, papers
):
    # categories, page rows (one more than a page: no count), categories of the page
    with django_assert_num_queries(3):
        response = client.get("/arxiv/cs.CV/chunk", params)
    assert len(page(response).papers) == papers


def test_latest_day_costs_one_query_more(client, sample_papers, django_assert_num_queries):
    # the latest day instead of the next day (there is none after the latest)
    with django_assert_num_queries(7):
        response = client.get("/arxiv/cs.CV")
    assert "next" not in page(response).links


def test_home_queries(client, sample_papers, django_assert_num_queries):
    # latest day, counts, archives, their categories
    with django_assert_num_queries(4):
        client.get("/")


def test_no_js_client_sees_plain_links(sample_papers):
    """Without JavaScript every paper is reachable with links alone."""
    browser = Client()
    url, seen = "/arxiv/cs.CV?date=2025-03-18", []
    while url:
        html = browser.get(url).content.decode()
        parsed = Page(html)
        # Each page is the one before and 25 papers more, where its link's anchor lands.
        assert parsed.papers[: len(seen)] == seen
        if "#" in url:
            anchor = html.index(f'id="{url.partition("#")[2]}"')
            assert html.index(f'id="{parsed.papers[len(seen)]}"') > anchor
            assert html.index(f'id="{seen[-1]}"') < anchor
        seen = parsed.papers
        url = parsed.links.get("load-more", "")
    assert seen == day_ids("cs.CV", SAMPLE_BUSY_DAY)
