"""The search page, its lazy pages and its feed, on a real index of real papers."""

from __future__ import annotations

import re
import time

import defusedxml.ElementTree as ET
import pytest
from django.utils.html import escape

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_empty_search_page_shows_the_form(client):
    response = client.get("/arxiv/search")
    assert response.status_code == 200
    assert (
        b'name="q"' in response.content and b"paper" not in response.content.split(b"<main")[-1][:0]
    )


def test_results_are_counted_highlighted_and_linked(client, index):
    response = client.get("/arxiv/search", {"q": "gaussian splatting"})
    html = response.content.decode()
    assert response.status_code == 200
    assert counted(html) == len(ids_of(html)) >= 5
    assert "<mark>Gaussian</mark>" in html and "<mark>Splatting</mark>" in html
    assert 'href="/arxiv/2503.11731"' in html
    assert "/arxiv/search/feed?q=gaussian+splatting" in html


def test_highlighting_never_enters_a_formula(client, index):
    html = client.get("/arxiv/search", {"q": "mamba light field"}).content.decode()
    assert "2503.19253" in html
    assert "$L^2$" in html.replace("&#x27;", "'")  # the formula is intact
    assert "<mark>L</mark>" not in html


def test_filters_and_sort_are_applied(client, index):
    from coolpapers.papers.models import Paper

    params = {"q": "cat:cs.*", "category": "cs.RO", "sort": "announced"}
    html = client.get("/arxiv/search", params).content.decode()
    ids = re.findall(r'data-arxiv-id="([^"]+)"', html)
    robotics = Paper.objects.filter(category_links__category_id="cs.RO")
    assert ids and set(ids) == set(robotics.values_list("pk", flat=True))
    days = [Paper.objects.get(pk=i).announced for i in ids]
    assert days == sorted(days, reverse=True)


def test_lazy_loading_pages_through_all_results_once(client, index):
    first = client.get("/arxiv/search", {"q": "ana* OR learning OR model"}).content.decode()
    seen = re.findall(r'data-arxiv-id="([^"]+)"', first)
    count = int(re.search(r"(\d+) papers", first).group(1))
    assert len(seen) == 25 < count
    chunk_url = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    while chunk_url:
        chunk = client.get(chunk_url).content.decode()
        seen += re.findall(r'data-arxiv-id="([^"]+)"', chunk)
        found = re.search(r'hx-get="([^"]+)"', chunk)
        chunk_url = found.group(1).replace("&amp;", "&") if found else ""
    assert len(seen) == len(set(seen)) == count


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"unbalanced'}, "unbalanced quote"),
        ({"q": "x" * 501}, "the limit is 500"),
        ({"q": "titel:x"}, "unknown field"),
        ({"q": "model", "category": "cs.NOPE"}, "no arXiv category cs.NOPE"),
        ({"q": "model", "from": "2025-13-01"}, "is not a date"),
        ({"q": "model", "page": "999999"}, "page must be a number"),
        ({"q": "model", "sort": "random"}, "sort must be one of"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(client, index, params, message):
    response = client.get("/arxiv/search", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def ids_of(html: str) -> list[str]:
    return re.findall(r'data-arxiv-id="([^"]+)"', html)


def notice(html: str, kind: str) -> str:
    """The text of a notice above the results ("" when there is none)."""
    found = re.search(rf'<p class="search-notice {kind}">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def counted(html: str) -> int:
    """The count the page states."""
    return int(re.search(r'<span class="counts">(\d+) papers?', html).group(1))


def test_a_misspelt_word_gets_the_results_of_its_correction(client, index):
    """Issue 15: a word the index has never seen is corrected, and the page says so."""
    corrected = client.get("/arxiv/search", {"q": "gaussian splating"}).content.decode()
    right = client.get("/arxiv/search", {"q": "gaussian splatting"}).content.decode()
    assert ids_of(corrected) == ids_of(right) and counted(corrected) == counted(right) >= 5
    assert "<mark>Splatting</mark>" in corrected
    assert notice(corrected, "search-corrected") == (
        "Showing results for gaussian splatting; search instead for gaussian splating"
    )
    assert 'instead for <a href="/arxiv/search?q=gaussian+splating&amp;exact=1">' in corrected
    # The feed link follows what is shown: the corrected words, exactly.
    assert "/arxiv/search/feed?q=gaussian+splatting&amp;exact=1" in corrected


def test_exact_searches_the_words_as_typed_and_offers_the_correction(client, index):
    html = client.get("/arxiv/search", {"q": "splating", "exact": "1"}).content.decode()
    assert ids_of(html) == [] and "search-corrected" not in html
    assert "No paper matches <q>splating</q>" in html
    assert 'Did you mean <a href="/arxiv/search?q=splatting&amp;exact=1">' in html
    # Other words found papers with only some of the words: the correction is offered too.
    html = client.get("/arxiv/search", {"q": "gaussian splating", "exact": "1"}).content.decode()
    assert "search-corrected" not in html and "No paper has all of" in html
    assert 'Did you mean <a href="/arxiv/search?q=gaussian+splatting&amp;exact=1">' in html


@pytest.mark.parametrize(
    ("query", "searched"),
    [
        ("title:splating", "title:splatting"),  # title: and abstract: words are corrected
        ("gaussian -splating", None),  # an excluded word is the reader's to choose
        ("author:splating", None),  # so are names, phrases, prefixes
        ('"gaussian splating"', None),
        ("splatin*", None),
        ("gaussian splatting", None),  # known words stay
    ],
)
def test_only_plain_words_of_text_fields_are_corrected(client, index, query, searched):
    html = client.get("/arxiv/search", {"q": query}).content.decode()
    notice = re.search(r"Showing results for <strong>([^<]*)</strong>", html)
    assert (notice and notice.group(1)) == (searched and escape(searched))


def test_lazy_pages_of_a_corrected_query_are_its_correction(client, index):
    first = client.get("/arxiv/search", {"q": "modle"}).content.decode()
    seen = ids_of(first)
    count = int(re.search(r"(\d+) papers", first).group(1))
    assert len(seen) == 25 < count
    chunk_url = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "q=modle" in chunk_url  # the address keeps what was typed (and its notice)
    while chunk_url:
        chunk = client.get(chunk_url).content.decode()
        assert "search-corrected" not in chunk  # the notice is the page's, not each chunk's
        seen += ids_of(chunk)
        found = re.search(r'hx-get="([^"]+)"', chunk)
        chunk_url = found.group(1).replace("&amp;", "&") if found else ""
    right = client.get("/api/search", {"q": "model", "page_size": 100}).json()
    assert seen == [hit["id"] for hit in right["results"]] and len(seen) == count


def test_the_feed_of_a_misspelt_query_is_the_corrected_one(client, index):
    root = ET.fromstring(client.get("/arxiv/search/feed", {"q": "gaussian splating"}).content)
    assert root.find(f"{ATOM}title").text == "Search: gaussian splatting — Cool Papers"
    assert "corrected from gaussian splating" in root.find(f"{ATOM}subtitle").text
    page = client.get("/arxiv/search", {"q": "gaussian splatting"}).content.decode()
    assert len(root.findall(f"{ATOM}entry")) == counted(page)
    exact = {"q": "splating", "exact": "1"}
    assert not ET.fromstring(client.get("/arxiv/search/feed", exact).content).findall(
        f"{ATOM}entry"
    )


def test_exact_takes_0_or_1(client, index):
    response = client.get("/arxiv/search", {"q": "model", "exact": "yes"})
    assert response.status_code == 400
    assert "exact must be 1" in response.content.decode()


def test_the_empty_state_says_what_can_help(client, index):
    """Issue 15: "Try fewer words" was advice that made things worse."""
    html = client.get("/arxiv/search", {"q": "xyzzyplugh"}).content.decode()
    assert "No paper matches <q>xyzzyplugh</q>." in html
    assert "Try fewer words" not in html
    assert "Check the spelling of each word." in html
    assert '<details class="search-syntax" open>' in html and "<code>-survey</code>" in html
    assert "without the category and date filters" not in html  # there are none
    filtered = client.get(
        "/arxiv/search", {"q": "gaussian splatting", "category": "math.AG", "from": "2025-01-01"}
    ).content.decode()
    assert "No paper matches <q>gaussian splatting</q> with these filters." in filtered
    assert '<a href="/arxiv/search?q=gaussian+splatting">Search without the category' in filtered


def test_partial_matches_are_announced_and_come_after_complete_ones(client, index):
    """Issue 15: no paper has every word, so the engine ranks papers with most of them; the
    page says so, and a query the corpus can answer never shows 0 results."""
    html = client.get("/arxiv/search", {"q": "gaussian splatting xyzzyplugh"}).content.decode()
    assert notice(html, "search-partial") == (
        "No paper has all of gaussian, splatting and xyzzyplugh; showing papers with most of them."
    )
    api = client.get("/api/search", {"q": "gaussian splatting", "page_size": 100}).json()
    complete = [hit["id"] for hit in api["results"][: api["strict_count"]]]
    assert set(ids_of(html)[: len(complete)]) == set(complete)
    assert "partial-divider" not in html  # no paper has every word: nothing to divide


def test_a_line_divides_complete_from_partial_matches(client, index):
    """Fewer than ten papers have both words: those with one of them follow, after a line."""
    api = client.get("/api/search", {"q": "gaussian splatting", "page_size": 100}).json()
    assert api["partial"] and 0 < api["strict_count"] < api["count"]
    html = client.get("/arxiv/search", {"q": "gaussian splatting"}).content.decode()
    strict, count = api["strict_count"], api["count"]
    assert f"{count} papers ({strict} with every word)" in html
    assert notice(html, "search-partial") == (
        f"Only {strict} papers have all of gaussian and splatting; "
        "after them, papers with most of these words."
    )
    before, divider, after = html.partition('<h2 class="partial-divider">')
    assert divider and ids_of(before) + ids_of(after) == [hit["id"] for hit in api["results"]]
    assert len(ids_of(before)) == strict
    # In date order complete and partial matches mix: the notice stays, the line goes.
    dated = client.get("/arxiv/search", {"q": "gaussian splatting", "sort": "announced"})
    assert "partial-divider" not in dated.content.decode()
    assert "search-partial" in dated.content.decode()


def test_search_feed_is_valid_atom(client, index):
    response = client.get("/arxiv/search/feed", {"q": "gaussian splatting"})
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/atom+xml"
    )
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}title").text.startswith(
        "Search: gaussian splatting"
    )
    entries = root.findall(f"{ATOM}entry")
    page = client.get("/arxiv/search", {"q": "gaussian splatting"}).content.decode()
    assert len(entries) == counted(page) >= 5  # what the page shows, the newest first
    for entry in entries:
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None
    assert client.get("/arxiv/search/feed", {"q": '"open'}).status_code == 400


def test_constant_queries_per_page(client, index, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/arxiv/search", {"q": "learning"})


def test_a_499_letter_word_is_answered_at_once_without_a_suggestion(client, index):
    """Issue 20: the spelling corrector took 9 s on 2,722 papers for this word."""
    client.get("/arxiv/search", {"q": "splating"})  # the speller of this index state is built
    started = time.perf_counter()
    response = client.get("/arxiv/search", {"q": "x" * 499})
    assert time.perf_counter() - started < 1.0
    html = response.content.decode()
    assert response.status_code == 200 and "No paper matches" in html
    assert "Did you mean" not in html


@pytest.mark.parametrize("path", ["/arxiv/search", "/arxiv/search/chunk", "/arxiv/search/feed"])
def test_a_search_past_its_time_budget_is_a_503_with_retry_after(client, index, settings, path):
    settings.SEARCH_TIME_BUDGET = 0  # every search is past its deadline at its first check
    response = client.get(path, {"q": "gaussian splatting OR learning"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "took too long and was stopped" in response.content.decode()


def test_an_api_search_past_its_time_budget_is_a_json_503(client, index, settings):
    settings.SEARCH_TIME_BUDGET = 0
    response = client.get("/api/search", {"q": "gaussian splatting OR learning"})
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "took too long and was stopped" in response.json()["detail"]
    settings.SEARCH_TIME_BUDGET = 5
    assert client.get("/api/search", {"q": "gaussian splatting"}).status_code == 200


def test_a_page_made_before_the_speller_is_built_is_not_cached(client, index, settings):
    """A web process builds its speller in the background on its first search: the pages it
    answers meanwhile lack corrections, and must not be cached for minutes that way."""
    import time

    from search.backends import get_backend
    from search.backends.spelling import SpellerCache

    settings.PAGE_CACHE_SECONDS = 300
    backend = get_backend()
    backend._speller = SpellerCache()  # a web process that has just started
    query = {"q": "gaussian splating"}
    first = client.get("/arxiv/search", query)
    assert "no-store" in first["Cache-Control"] and "X-Page-Cache" not in first
    for _ in range(100):  # the background build (a fraction of a second here)
        if backend._speller._ready is not None:
            break
        time.sleep(0.05)
    second = client.get("/arxiv/search", query)
    assert "Showing results for" in second.content.decode()
    assert second["X-Page-Cache"] == "miss" and "no-store" not in second.get("Cache-Control", "")
    assert client.get("/arxiv/search", query)["X-Page-Cache"] == "hit"
