"""The search page as a reader uses it: the Categories box takes what the daily lists take,
a refused value is explained next to its field, the empty page teaches the syntax with
examples that work, and every card (search results, daily lists, related papers) shows the
paper's arXiv id, date, categories and actions without a query per card."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coolpapers.papers.models import Paper

pytestmark = pytest.mark.django_db

EVERYTHING = "announced:1900..2100"  # every fixture paper: the filters alone decide


def ids_of(html: str) -> list[str]:
    return re.findall(r'data-arxiv-id="([^"]+)"', html)


def counted(html: str) -> int:
    found = re.search(r'<span class="counts">(\d+) papers?', html)
    return int(found.group(1)) if found else 0


def cards(html: str) -> list[str]:
    return re.findall(r'<article class="paper[^"]*".*?</article>', html, re.S)


def in_spec(codes: list[str], include: list[str], exclude: list[str]) -> bool:
    """The spec's meaning, written out independently of category_spec: an entry is a code or
    an archive (`math`, `math.*`) standing for every code under it."""

    def hits(entry: str) -> bool:
        archive = entry.removesuffix(".*")
        return any(code == entry or code.startswith(f"{archive}.") for code in codes)

    return any(hits(e) for e in include) and not any(hits(e) for e in exclude)


def all_hits(client, q: str) -> list[dict]:
    body = client.get("/api/search", {"q": q, "page_size": 100}).json()
    assert body["count"] <= 100
    return body["results"]


READ_AS = {
    "cs.AI cs.LG": "cs.AI+cs.LG",
    "cs.* - cs.CV": "cs.*-cs.CV",
    "cs.AI + eess.* -cs.CV": "cs.AI+eess.*-cs.CV",
}


@pytest.mark.parametrize(
    ("typed", "include", "exclude"),
    [
        ("math", ["math"], []),
        ("math.*", ["math"], []),
        ("Math.*", ["math"], []),  # codes match whatever their case
        ("astro-ph", ["astro-ph"], []),
        ("cs.AI+cs.LG", ["cs.AI", "cs.LG"], []),
        ("cs.AI,cs.LG", ["cs.AI", "cs.LG"], []),
        ("cs.AI cs.LG", ["cs.AI", "cs.LG"], []),  # a `+` that reached the URL unescaped
        ("cs.AI+cs.LG-cs.CY", ["cs.AI", "cs.LG"], ["cs.CY"]),
        ("cs.* - cs.CV", ["cs"], ["cs.CV"]),
        ("cs.AI + eess.* -cs.CV", ["cs.AI", "eess"], ["cs.CV"]),
    ],
)
def test_the_categories_box_takes_what_the_lists_take(client, index, typed, include, exclude):
    expected = [
        hit["id"]
        for hit in all_hits(client, EVERYTHING)
        if in_spec(hit["categories"], include, exclude)
    ]
    response = client.get("/arxiv/search", {"q": EVERYTHING, "category": typed})
    html = response.content.decode()
    assert response.status_code == 200, html[:300]
    assert expected and counted(html) == len(expected)
    assert ids_of(html) == expected[:25]
    # The box shows the spec as it was read: spaces tidied, `+` between codes.
    assert f'value="{READ_AS.get(typed, typed)}"' in unescape(html)


def test_an_unfiltered_everything_query_finds_every_paper(client, index):
    """The oracle of the test above holds: its query alone filters nothing out."""
    assert len(all_hits(client, EVERYTHING)) == Paper.objects.count()


def field_block(html: str, field_id: str) -> str:
    """The field's markup, from its label to the next field (or the end of the form)."""
    start = html.index(f'<label for="{field_id}"')
    rest = html[start:]
    end = min(
        (i for i in (rest.find('<div class="field', 1), rest.find("</form>")) if i > 0),
        default=len(rest),
    )
    return rest[:end]


@pytest.mark.parametrize(
    ("params", "field", "sentence"),
    [
        (
            {"q": "model", "category": "cs.XX"},
            "search-category",
            "These categories cannot be used: no arXiv category cs.XX.",
        ),
        (
            {"q": "model", "category": "cs.AI;cs.LG"},
            "search-category",
            "These categories cannot be used: ';' cannot appear in a category list",
        ),
        (
            {"q": "model", "category": "-cs.AI"},
            "search-category",
            "These categories cannot be used: '-cs.AI' excludes categories but includes none.",
        ),
        (
            {"q": '"unbalanced'},
            "search-q",
            'This query cannot be read: unbalanced quote: the " at position 1 is never closed.',
        ),
        (
            {"q": "model", "from": "2025-13-01"},
            "search-from",
            "This date cannot be used: '2025-13-01' is not a date (YYYY-MM-DD).",
        ),
        (
            {"q": "model", "from": "2025-02-01", "to": "2025-01-01"},
            "search-from",
            "This date cannot be used: 'from' is after 'to'.",
        ),
        (
            {"q": "model", "sort": "random"},
            "search-sort",
            "This order cannot be used: sort must be one of relevance, announced, submitted.",
        ),
    ],
)
def test_a_refused_value_is_a_400_explained_next_to_its_field(
    client, index, params, field, sentence
):
    response = client.get("/arxiv/search", params)
    assert response.status_code == 400
    html = unescape(response.content.decode())
    block = field_block(html, field)
    alert = re.search(
        r'<p class="notice notice-error search-error" id="search-error" '
        r'role="alert">(.*?)</p>',
        block,
        re.S,
    )
    assert alert, block
    assert re.sub(r"<[^>]+>", "", alert.group(1)).startswith(sentence)
    control = re.search(rf'<(?:input|select) id="{field}"[^>]*>', block).group(0)
    assert 'aria-invalid="true"' in control and "search-error" in control  # aria-describedby
    # One message, in words: no "q: …" or "category: …" prefix, nothing above the form.
    assert html.count('role="alert"') == 1
    assert f"<strong>{params and next(iter(params))}</strong>:" not in html
    assert not re.search(r">\s*(q|category|from|to|sort): ", html)


def test_a_problem_with_no_field_is_explained_above_the_form(client, index):
    response = client.get("/arxiv/search", {"q": "model", "page": "999999"})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    alert = html.index('role="alert"')
    assert alert < html.index('<form class="search-form"')
    assert "These results cannot be shown: page must be a number from 1 to 400." in html
    assert 'aria-invalid="true"' not in html


def syntax_examples(html: str) -> list[str]:
    panel = re.search(r'<details class="search-syntax"[^>]*>.*?</details>', html, re.S).group(0)
    return [unescape(href) for href in re.findall(r'<dt><a href="([^"]+)"', panel)]


def test_the_empty_page_opens_the_syntax_help_and_every_example_runs(client, index):
    html = client.get("/arxiv/search").content.decode()
    assert '<details class="search-syntax" open>' in html
    assert "In the Categories box" in html and "<code>math.*</code>" in html
    examples = syntax_examples(html)
    assert len(examples) >= 8
    found = 0
    for url in examples:
        response = client.get(url)
        assert response.status_code == 200, url
        found += counted(response.content.decode()) > 0
    assert found >= len(examples) // 2  # most find papers even in the small fixture corpus


def test_results_keep_the_help_folded_and_an_error_page_opens_it(client, index):
    results = client.get("/arxiv/search", {"q": "model"}).content.decode()
    assert '<details class="search-syntax">' in results
    error = client.get("/arxiv/search", {"q": '"open'}).content.decode()
    assert '<details class="search-syntax" open>' in error


def meta_of(card: str) -> dict:
    """What a card's line of facts says."""
    meta = re.search(r'<div class="paper-meta">(.*?)</div>', card, re.S)
    assert meta, card[:400]
    text = meta.group(1)
    ident = re.search(r'<a class="paper-arxiv-id" href="([^"]+)"[^>]*>arXiv:([^<]+)</a>', text)
    day = re.search(r'<time class="paper-date" datetime="([^"]+)"', text)
    return {
        "href": ident.group(1),
        "id": ident.group(2),
        "date": day and day.group(1),
        "categories": re.findall(r'<a class="cat[^"]*" href="[^"]*"[^>]*>([^<]+)</a>', text),
    }


def check_cards(html: str) -> int:
    """Every card shows its id, its date, its categories (primary first) and its actions."""
    found = cards(html)
    assert found
    papers = Paper.objects.in_bulk(
        [re.search(r'data-arxiv-id="([^"]+)"', c).group(1) for c in found]
    )
    for card in found:
        paper = papers[re.search(r'data-arxiv-id="([^"]+)"', card).group(1)]
        meta = meta_of(card)
        assert meta["id"] == paper.arxiv_id
        assert meta["href"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
        day = paper.announced or paper.submitted.date()
        assert meta["date"] == day.isoformat()
        assert meta["categories"] == paper.category_codes
        assert meta["categories"][0] == paper.primary_category_id
        for action in ("action-pdf", "action-copy", "action-rel"):
            assert f'class="action {action}"' in card
        assert 'class="stars"' in card
    return len(found)


def test_search_result_cards_show_id_date_categories_and_actions(client, index):
    html = client.get("/arxiv/search", {"q": "model"}).content.decode()
    assert check_cards(html) == 25


def test_daily_list_cards_show_id_date_categories_and_actions(client, index):
    html = client.get("/arxiv/cs.CV", {"date": "2025-03-18"}).content.decode()
    assert check_cards(html) == 25
    assert 'datetime="2025-03-18"' in html


def test_related_cards_show_id_date_categories_and_actions(client, related):
    paper = Paper.objects.filter(related_state__isnull=False).order_by("pk").first()
    html = client.get(f"/arxiv/{paper.pk}/related").content.decode()
    assert check_cards(html) >= 5


def test_a_card_without_an_announcement_shows_its_submission_day(client, index):
    from coolpapers.browse.templatetags.browse import paper_meta

    paper = Paper.objects.exclude(submitted=None).first()
    paper.announced = None
    html = paper_meta(paper, [])
    assert f'datetime="{paper.submitted.date().isoformat()}"' in html
    assert "Submitted to arXiv on" in html
    paper.submitted = None
    assert "<time" not in paper_meta(paper, [])


def queries(client, path: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params or {}).status_code == 200
    return len(captured.captured_queries)


def test_cards_cost_no_query_each(client, related, django_assert_max_num_queries):
    """A page of 25 cards asks the database as often as a page of a few: the card's facts
    come from the paper rows and the chips every list fetches anyway."""
    busy, small = date(2025, 3, 18), date(2025, 3, 25)  # 25 cs.CV cards, then 4
    assert queries(client, "/arxiv/cs.CV", {"date": busy}) == queries(
        client, "/arxiv/cs.CV", {"date": small}
    )
    assert queries(client, "/arxiv/search", {"q": "model"}) == queries(
        client, "/arxiv/search", {"q": "gaussian splatting"}
    )
    paper = Paper.objects.filter(related_state__isnull=False).order_by("pk").first()
    with django_assert_max_num_queries(5):
        client.get(f"/arxiv/{paper.pk}/related")
    with django_assert_max_num_queries(4):
        client.get("/arxiv/search", {"q": "model", "category": "math.*"})
