"""Headless Chromium: every reader's page fits a 360 px phone without scrolling sideways, and the
dark theme follows the system setting or the header's toggle, remembered across reloads.
Strict CSP; any console error fails a test (tests/conftest.py's `page`)."""

from __future__ import annotations

from datetime import date

import pytest

from coolpapers.browse import listing
from coolpapers.papers.category_spec import parse_spec
from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2025, 3, 18)
LIST = f"/arxiv/cs.CV?date={DAY.isoformat()}"
BACKGROUND = "getComputedStyle(document.body).backgroundColor"


@pytest.fixture
def paper_id(related) -> str:
    """A paper of the busy cs.CV day, with keywords and related papers computed."""
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    return listing.day_papers(parse_spec("cs.CV"), DAY)[0].pk


def overflow(page) -> int:
    """How many pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_no_page_scrolls_sideways_on_a_phone(page, paper_id):
    page.set_viewport_size({"width": 360, "height": 780})
    paths = [
        "/",
        LIST,
        f"/arxiv/{paper_id}",
        f"/arxiv/{paper_id}/related",
        "/arxiv/search?q=vision",
        "/interests",
    ]
    widths = {}
    for path in paths:
        page.goto(path)
        # Lazily loaded parts (the next chunk, the paper's related papers) count too.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        widths[path] = overflow(page)
    assert widths == dict.fromkeys(paths, 0)
    # The keyword chips stand apart: no two of them on one line touch.
    page.goto(f"/arxiv/{paper_id}/related")
    gaps = page.eval_on_selector_all(
        "article.paper .keywords",
        """lists => lists.flatMap(list => {
          const boxes = Array.from(list.children, a => a.getBoundingClientRect());
          return boxes.slice(1).flatMap((box, i) =>
            Math.abs(box.top - boxes[i].top) < 2 ? [box.left - boxes[i].right] : []);
        })""",
    )
    assert gaps and min(gaps) >= 4


def test_dark_theme_from_the_system_or_the_toggle_which_is_remembered(page, paper_id):
    page.emulate_media(color_scheme="light")
    page.goto(LIST)
    light = page.evaluate(BACKGROUND)
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate(BACKGROUND)
    assert dark != light

    # Back to a light system: the toggle switches to dark, and the choice survives a reload.
    page.emulate_media(color_scheme="light")
    assert page.evaluate(BACKGROUND) == light
    toggle = page.locator("button.theme-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate(BACKGROUND) == dark
    page.goto(f"/arxiv/{paper_id}")
    assert page.evaluate(BACKGROUND) == dark
    page.reload()
    assert page.evaluate(BACKGROUND) == dark
    assert toggle.get_attribute("aria-pressed") == "true"

    # A reader who chose light keeps it on a dark system.
    toggle.click()
    page.emulate_media(color_scheme="dark")
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert page.evaluate(BACKGROUND) == light
