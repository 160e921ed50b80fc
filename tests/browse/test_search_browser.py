"""Headless Chromium on the search page: axe-core finds nothing serious on results, the empty
page and an error, light and dark, wide and phone; nothing scrolls sideways at 360 px (cards
of lists and related papers included); the form, the syntax help and an error work with the
keyboard alone. Strict CSP; any console error fails a test (tests/conftest.py's `page`)."""

from __future__ import annotations

import pytest

from coolpapers.papers.models import Archive, Category, Paper
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from tests.axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULTS = "/arxiv/search?q=model&category=cs.CV%2Bcs.AI-cs.RO"
EMPTY = "/arxiv/search"
ERROR = "/arxiv/search?q=model&category=math.*%3Bcs.XX"
NOTHING = "/arxiv/search?q=xyzzyplugh&category=math"
SIZES = {"wide": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def page(chromium, live_server):
    """tests/conftest.py's page (strict CSP; a JavaScript error or CSP violation fails the
    test), except that the 400 of a page expected to answer 400 is no failure: Chromium logs
    "Failed to load resource" for any 4xx document."""
    from tests.browser import STRICT_CSP

    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )

    def with_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": STRICT_CSP}
        )

    context.route(f"{live_server.url}/**", with_csp)
    page = context.new_page()
    problems: list[str] = []

    def console(message) -> None:
        expected = "status of 400" in message.text and message.location["url"].endswith(ERROR)
        if message.type == "error" and not expected:
            problems.append(f"{message.text} at {message.location['url']}")

    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", console)
    yield page
    context.unroute_all(behavior="ignoreErrors")
    context.close()
    assert problems == []


@pytest.fixture
def indexed(related) -> None:
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)


def tab_to(page, selector: str) -> None:
    """Press Tab until the element is focused, as a keyboard user reaches it."""
    target = page.locator(selector)
    for _ in range(80):
        page.keyboard.press("Tab")
        if target.evaluate("node => node === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_nothing_serious(page, indexed, scheme, size):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    page.emulate_media(color_scheme=scheme)
    found = {}
    for path in (RESULTS, EMPTY, ERROR, NOTHING):
        page.goto(path)
        if path == RESULTS:
            page.locator("details.search-syntax > summary").click()  # audit the help open too
        found[path] = violations(page)
    assert found == {path: [] for path in found}


def test_nothing_scrolls_sideways_at_360_px(page, indexed):
    paper = Paper.objects.filter(related_state__isnull=False).order_by("pk").first()
    page.set_viewport_size({"width": 360, "height": 740})
    paths = [
        RESULTS,
        EMPTY,
        ERROR,
        NOTHING,
        "/arxiv/cs.CV?date=2025-03-18",
        f"/arxiv/{paper.pk}/related",
    ]
    widths = {}
    for path in paths:
        page.goto(path)
        for details in page.locator("details.search-syntax:not([open]) > summary").all():
            details.click()
        widths[path] = overflow(page)
    assert widths == dict.fromkeys(paths, 0)
    # On a phone the query keeps its button beside it: the button never wraps alone.
    page.goto(EMPTY)
    query = page.locator("#search-q").bounding_box()
    button = page.locator(".search-query button").bounding_box()
    assert abs(query["y"] - button["y"]) < 2 and button["x"] > query["x"] + query["width"]


def test_a_card_shows_its_facts_on_one_line_under_the_title(page, indexed):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(RESULTS)
    card = page.locator("article.paper").first
    title = card.locator(".paper-title").bounding_box()
    ident = card.locator(".paper-arxiv-id").bounding_box()
    day = card.locator(".paper-date").bounding_box()
    chip = card.locator(".paper-meta .cat").first.bounding_box()
    assert title["y"] + title["height"] <= ident["y"]
    assert (
        abs(ident["y"] - day["y"]) < 4
        and abs(day["y"] + day["height"] / 2 - chip["y"] - chip["height"] / 2) < 4
    )
    assert card.locator(".paper-arxiv-id").inner_text().startswith("arXiv:")


def test_search_with_the_keyboard_alone(page, indexed):
    page.goto(EMPTY)
    tab_to(page, "#search-q")
    page.keyboard.type("model")
    tab_to(page, "#search-category")
    page.keyboard.type("cs.AI+cs.LG-cs.RO")
    page.keyboard.press("Enter")
    page.wait_for_url("**/arxiv/search?q=model&category=cs.AI%2Bcs.LG-cs.RO**")
    assert page.locator("article.paper").count() > 0
    chips = page.locator("article.paper .paper-meta").all_inner_texts()
    assert all(("cs.AI" in c or "cs.LG" in c) and "cs.RO" not in c for c in chips)

    # The help is folded under the results; Enter opens it and its examples are links.
    tab_to(page, "details.search-syntax > summary")
    page.keyboard.press("Enter")
    assert page.locator("details.search-syntax").evaluate("node => node.open")
    tab_to(page, "details.search-syntax dt a >> nth=0")
    page.keyboard.press("Enter")
    page.wait_for_url("**/arxiv/search?q=diffusion+model")
    assert page.locator("#search-q").input_value() == "diffusion model"


def test_a_refused_category_is_explained_beside_its_field(page, indexed):
    page.set_viewport_size({"width": 390, "height": 844})
    response = page.goto(ERROR)
    assert response.status == 400
    alert = page.locator("[role=alert]")
    assert alert.count() == 1
    assert alert.inner_text().startswith("These categories cannot be used: ")
    field = page.locator("#search-category")
    assert field.get_attribute("aria-invalid") == "true"
    # Right under the field it is about, before the next one.
    below = field.bounding_box()
    box = alert.bounding_box()
    after = page.locator("#search-from").bounding_box()
    assert below["y"] + below["height"] <= box["y"] < after["y"]
    # Styled as an error: the accent colour the invalid field's border has too.
    accent = alert.evaluate("node => getComputedStyle(node).borderLeftColor")
    assert accent == field.evaluate("node => getComputedStyle(node).borderTopColor")
    # The reader fixes it where it is and searches again.
    field.focus()
    field.fill("math.*")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "category=math.*" in url and "cs.XX" not in url)
    assert page.locator("[role=alert]").count() == 0
