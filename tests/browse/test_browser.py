"""Headless Chromium against a live server: lazy loading, [Copy], the keyword filter, stars,
pinned categories, all under a strict Content-Security-Policy.

Needs Debian's chromium at /usr/bin/chromium, the `playwright` package and the vendored htmx
(`make assets`). Without them the tests skip, except under CI=true where they fail.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from coolpapers.browse import listing
from coolpapers.browse.models import Star
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.daily import DayFinder
from coolpapers.papers.models import Archive, Category, Paper
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from coolpapers.papers.text import squash
from tests.browse.conftest import DEMO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo's cs.CL list of its latest day holds 67 papers: three chunks.
CATEGORY = "cs.CL"


@pytest.fixture
def demo_papers() -> list[str]:
    """The demo papers; returns the ids of the cs.CL list of its latest day, in order."""
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    call_command("ingest_arxiv", str(DEMO), verbosity=0)
    spec = parse_spec(CATEGORY)
    day = DayFinder(spec).latest()
    return [paper.pk for paper in listing.day_papers(spec, day)]


def paper_ids(page) -> list[str]:
    return page.eval_on_selector_all("article.paper", "nodes => nodes.map(n => n.dataset.arxivId)")


def scroll_to_the_end(page) -> None:
    for _ in range(40):
        if page.locator(".end-of-list").count():
            return
        loaded = page.locator("article.paper").count()
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(
            "n => document.querySelectorAll('article.paper').length > n"
            " || document.querySelector('.end-of-list')",
            arg=loaded,
        )
    raise AssertionError("the list never ended")


def test_scrolling_loads_every_paper_once_then_copy_and_filter(page, demo_papers):
    assert len(demo_papers) > 60
    # Record the documented hook as another feature would use it.
    page.add_init_script(
        """
        window.chunkEvents = [];
        document.addEventListener("coolpapers:chunk-loaded", (event) => {
          const root = event.detail.root;
          window.chunkEvents.push({
            page: root.dataset.page,
            papers: root.querySelectorAll("article.paper").length,
            attached: document.contains(root),
          });
        });
        """
    )
    page.goto(f"/arxiv/{CATEGORY}")
    assert paper_ids(page) == demo_papers[:25]
    scroll_to_the_end(page)

    # Every paper exactly once, in arXiv order; the address is the last page's.
    assert paper_ids(page) == demo_papers
    assert page.evaluate("window.chunkEvents") == [
        {"page": "2", "papers": 25, "attached": True},
        {"page": "3", "papers": len(demo_papers) - 50, "attached": True},
    ]
    assert re.search(r"/arxiv/cs\.CL\?date=\d{4}-\d\d-\d\d&page=3$", page.url)
    assert page.locator(".sentinel").count() == 0

    # [Copy]: the paper's text on the clipboard, the reader's selection untouched.
    selected = page.evaluate(
        """() => {
          const text = document.querySelector("article.paper .abstract").firstChild;
          const range = document.createRange();
          range.setStart(text, 0);
          range.setEnd(text, 30);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
          return getSelection().toString();
        }"""
    )
    assert len(selected) == 30
    paper = Paper.objects.get(pk=demo_papers[60])
    button = page.locator(f'article[data-arxiv-id="{paper.pk}"] button.action-copy')
    button.click()
    page.wait_for_function("b => b.textContent === '[Copied]'", arg=button.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == "\n\n".join(
        [
            squash(paper.title),
            ", ".join(paper.authors),
            squash(paper.abstract),
            f"https://arxiv.org/abs/{paper.pk}",
        ]
    )
    assert page.evaluate("getSelection().toString()") == selected

    # The in-page filter: several keywords at once, a phrase across line breaks.
    keywords = ["large language model", "benchmark"]
    search = re.compile("|".join(r"\s+".join(k.split()) for k in keywords), re.IGNORECASE)
    papers = {p.pk: p for p in Paper.objects.filter(pk__in=demo_papers)}

    def shown_text(p: Paper) -> str:
        return " ".join([p.title, *p.authors, p.comments, p.abstract])

    matching = [pk for pk in demo_papers if search.search(shown_text(papers[pk]))]
    assert 0 < len(matching) < len(demo_papers)
    page.fill("form.filter-bar input[name=keywords]", '"Large language model", BENCHMARK')
    status = f"{len(matching)} of {len(demo_papers)} loaded papers match"
    page.wait_for_function("s => document.querySelector('.filter-status').value === s", arg=status)
    marks = page.eval_on_selector_all(
        "mark.kw",
        """nodes => nodes.map(n => [n.textContent.toLowerCase().replace(/\\s+/g, " "),
                                   n.className, Boolean(n.closest(".abstract, .paper-title, .authors, .comments"))])""",
    )
    assert {text for text, _, _ in marks} == set(keywords)
    assert {cls for text, cls, _ in marks if text == keywords[0]} == {"kw kw-0"}
    assert {cls for text, cls, _ in marks if text == keywords[1]} == {"kw kw-1"}
    assert all(inside for _, _, inside in marks)
    page.check("form.filter-bar input[name=hide]")
    visible = page.eval_on_selector_all(
        "article.paper:not([hidden])", "nodes => nodes.map(n => n.dataset.arxivId)"
    )
    assert visible == matching
    page.fill("form.filter-bar input[name=keywords]", "")
    page.wait_for_function("() => !document.querySelector('mark.kw')")
    assert page.locator("article.paper[hidden]").count() == 0
    # Unmarking gave back the original text.
    first = papers[demo_papers[0]]
    abstract = page.locator(f'article[data-arxiv-id="{first.pk}"] .abstract').text_content()
    assert abstract == first.abstract


def test_filter_reaches_later_chunks_and_skips_formulas(page, demo_papers):
    page.goto(f"/arxiv/{CATEGORY}")
    # Formulas will arrive as <span class="math">; the filter must leave them alone.
    page.evaluate(
        """() => {
          const math = document.createElement("span");
          math.className = "math";
          math.textContent = "language x^2";
          document.querySelector("article.paper .abstract").append(math);
        }"""
    )
    page.fill("form.filter-bar input[name=keywords]", "language")
    page.check("form.filter-bar input[name=hide]")
    page.wait_for_function("() => document.querySelector('mark.kw')")
    assert page.locator(".math mark").count() == 0
    assert page.locator(".abstract > .math").text_content() == "language x^2"
    scroll_to_the_end(page)
    assert paper_ids(page) == demo_papers

    verdicts = page.eval_on_selector_all(
        "section.chunk:not([data-page='1']) article.paper",
        """nodes => nodes.map(n => [
             n.dataset.arxivId, Boolean(n.querySelector("mark.kw")), n.hidden])""",
    )
    assert len(verdicts) == len(demo_papers) - 25
    papers = {p.pk: p for p in Paper.objects.filter(pk__in=demo_papers)}
    for arxiv_id, marked, hidden in verdicts:
        p = papers[arxiv_id]
        expected = "language" in " ".join([p.title, *p.authors, p.comments, p.abstract]).lower()
        assert (marked, hidden) == (expected, not expected), arxiv_id


def test_pdf_clicks_count_one_star_per_day(page, demo_papers):
    arxiv_id = demo_papers[3]
    page.goto(f"/arxiv/{CATEGORY}")
    pdf = page.locator(f'article[data-arxiv-id="{arxiv_id}"] a.action-pdf')
    count = page.locator(f'.stars[data-stars-for="{arxiv_id}"] .star-count')
    for _ in range(2):
        with page.context.expect_page() as tab:
            pdf.click()
        tab.value.close()
        page.wait_for_function("c => c.textContent === '1'", arg=count.element_handle())
    page.wait_for_load_state("networkidle")
    assert Star.objects.filter(paper_id=arxiv_id).count() == 1
    page.reload()
    assert count.text_content() == "1"
    # Sorted by stars, the starred paper comes first.
    page.goto(f"/arxiv/{CATEGORY}?sort=stars")
    assert paper_ids(page)[0] == arxiv_id


def test_ticked_categories_show_first_and_stay(page, demo_papers):
    page.goto("/")
    page.check('#categories input.pin[value="cs.CL"]')
    page.check('#categories input.pin[value="math.CA"]')
    pinned = page.locator("#pinned")
    assert pinned.is_visible()
    codes = pinned.locator("li.category").evaluate_all("items => items.map(i => i.dataset.code)")
    assert codes == ["cs.CL", "math.CA"]
    assert pinned.locator("a.pinned-union").get_attribute("href") == "/arxiv/cs.CL,math.CA"
    page.reload()
    assert pinned.locator("li.category").count() == 2
    pinned.locator('input.pin[value="cs.CL"]').click()  # the clone leaves the list
    assert pinned.locator("li.category").evaluate_all("i => i.map(x => x.dataset.code)") == [
        "math.CA"
    ]
    assert not page.locator('#categories input.pin[value="cs.CL"]').is_checked()
    assert pinned.locator("a.pinned-union").is_hidden()
