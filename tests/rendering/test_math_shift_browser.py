"""Formulas without flash or shift, in headless Chromium under the strict CSP: on the math-heavy
daily list (64 real records, three chunks) no TeX source of an unset formula is ever visible
to a reader with JavaScript, and typesetting moves nothing a reader sees (CLS under 0.1), at
a desktop and a phone viewport, for the first screen, for lazily loaded chunks and with a
browser translator at work. Readers without JavaScript or with math=off see the TeX source,
and so does everyone when MathJax or math.js cannot load (after at most a few seconds).

The probe (bench.math_shift.PROBE, shared with `python -m bench.math_shift`) samples every
animation frame with requestAnimationFrame, i.e. what the next paint shows, and records
layout shifts with PerformanceObserver('layout-shift', buffered).
"""

from __future__ import annotations

import pytest

from bench.math_shift import PROBE, SETTLED, scroll_through
from tests.rendering.test_browser import LIST, TRANSLATOR, TYPESET
from tests.rendering.test_browser import math_papers as math_papers  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {
    "desktop": {"width": 1366, "height": 900},
    "phone": {"width": 390, "height": 844},
}
# The TeX source of formulas on screen, as a reader sees it.
SHOWN_MATH = """() => Array.from(document.querySelectorAll('.math'))
  .filter(math => {
    const box = math.getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight
      && math.checkVisibility({ visibilityProperty: true, opacityProperty: true });
  })
  .map(math => math.textContent)"""
FIRST_PAPER_SHOWN = """() => document.querySelector('article.paper')
  .checkVisibility({ visibilityProperty: true })"""
# Elements still hidden (site.css hides what waits for typesetting): none once all is done.
STILL_HIDDEN = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => getComputedStyle(e).visibility === 'hidden')
  .map(e => e.tagName + '.' + e.className)"""


def read_probe(page, since: str = "0") -> dict:
    """The probe's figures, for the layout shifts after `since` (a performance.now() time)."""
    return page.evaluate(f"window.mathShift.stop({since})")


def assert_no_flash_and_no_shift(data: dict) -> None:
    assert data["frames"] > 30  # the probe ran through the whole load
    assert data["rawAtFirstFrame"] == 0
    assert data["rawFrames"] == 0, data["rawSamples"]
    assert data["strayFrames"] == 0, data["straySamples"]  # no other TeX-like text either
    assert data["cls"] < 0.1, data["shifts"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_no_tex_source_and_no_layout_shift_from_first_paint_to_the_last_chunk(
    page, math_papers, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.add_init_script(PROBE)
    page.goto(LIST, wait_until="domcontentloaded")
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_timeout(500)
    scroll_through(page)  # the lazily loaded chunks, typeset while the reader scrolls
    data = read_probe(page)

    assert page.locator("article.paper").count() == len(math_papers)
    assert page.evaluate(TYPESET)
    assert page.evaluate(STILL_HIDDEN) == []
    # Formulas were on screen before they were typeset: the moments this test is about.
    assert data["pendingFrames"] > 0
    assert data["viewportTypeset"] is not None
    assert_no_flash_and_no_shift(data)


def test_no_tex_source_and_no_layout_shift_while_a_translator_works(page, math_papers):
    """A translator that rewrites the page from DOMContentLoaded on (test_browser.py's): the
    wrappers it may translate appear translated, typeset and where they stay. Its first pass
    moves the page (upper-case text is wider, as a translation is longer or shorter): only
    the shifts after that pass are typesetting's."""
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.add_init_script(TRANSLATOR)
    page.add_init_script(PROBE)
    page.add_init_script(
        """document.addEventListener('DOMContentLoaded', () => {
             window.translator.start();
             requestAnimationFrame(() => requestAnimationFrame(() => {
               window.translatedAt = performance.now();
             }));
           })"""
    )
    page.goto(LIST, wait_until="domcontentloaded")
    page.wait_for_function(SETTLED, timeout=60_000)
    scroll_through(page)
    # The first typeset came after the translator's first pass had been painted.
    assert page.evaluate("window.mathShift.viewportTypeset > window.translatedAt")
    data = read_probe(page, since="window.translatedAt")

    assert page.evaluate("window.translator.early") == []
    assert page.evaluate("window.translator.translated") > len(math_papers)
    assert page.locator(".math font.translated").count() == 0
    assert_no_flash_and_no_shift(data)


def test_math_off_readers_see_the_tex_source_at_once(page, live_server, math_papers):
    page.context.add_cookies([{"name": "math", "value": "off", "url": live_server.url}])
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.add_init_script(PROBE)
    page.goto(LIST, wait_until="domcontentloaded")
    page.wait_for_function("() => !document.querySelector('.tex.notranslate')", timeout=5_000)
    shown = page.evaluate(SHOWN_MATH)
    assert shown and all(tex.startswith(("\\(", "$", "\\[")) for tex in shown)
    page.wait_for_timeout(500)
    data = read_probe(page)
    assert data["cls"] < 0.1, data["shifts"]
    assert page.evaluate("Boolean(window.MathJax && window.MathJax.version)") is False


def test_readers_without_javascript_see_the_tex_source(chromium, live_server, math_papers):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(LIST)
        shown = page.evaluate(SHOWN_MATH)
        assert shown and all(tex.startswith(("\\(", "$", "\\[")) for tex in shown)
        assert page.evaluate(FIRST_PAPER_SHOWN)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("missing", "within_ms"),
    [("vendor/mathjax/startup.js", 2_000), ("coolpapers/js/math.js", 5_000)],
)
def test_papers_show_as_tex_source_when_scripts_cannot_load(
    chromium, live_server, math_papers, missing, within_ms
):
    """Hidden papers must not stay hidden: without MathJax math.js shows the TeX source at
    once; without math.js the style sheet's fail-safe shows the page after 3 s."""
    context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORTS["desktop"])
    try:
        context.route(f"**/static/{missing}*", lambda route: route.abort())
        page = context.new_page()
        page.goto(LIST, wait_until="domcontentloaded")
        page.wait_for_function(FIRST_PAPER_SHOWN, timeout=within_ms, polling=50)
        shown = page.evaluate(SHOWN_MATH)
        assert shown and all(tex.startswith(("\\(", "$", "\\[")) for tex in shown)
    finally:
        context.close()


def test_mathjax_is_fetched_only_when_a_formula_needs_it(page, math_papers):
    """Home holds no formula: MathJax is never downloaded there (Lighthouse's blocking time on
    phones); a list with formulas fetches it."""
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in fetched if "/vendor/mathjax/" in url]
    page.goto(LIST)
    page.wait_for_function(TYPESET, timeout=60_000)
    assert [url for url in fetched if url.endswith("/vendor/mathjax/startup.js")]
