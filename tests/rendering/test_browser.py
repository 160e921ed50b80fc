"""Formulas in headless Chromium under the site's strict CSP: MathJax typesets every math span
of a math-heavy daily list and of paper notes, browser translation never touches TeX, narrow
screens scale wide formulas down, and readers can switch typesetting off.

Uses the fixtures of tests/browse (Debian's chromium, the vendored htmx and MathJax from
`make assets`); any console error or CSP violation fails a test.
"""

from __future__ import annotations

import json
import statistics

import pytest
from django.core.management import call_command

from coolpapers.papers.models import Archive, Category, Paper
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from coolpapers.rendering.models import Note
from coolpapers.rendering.tex import find_formulas
from tests.browse.test_browser import scroll_to_the_end
from tests.rendering.conftest import MATH_DAY, MATH_PAPERS
from tests.rendering.html_check import unwrap_math

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORDS = [json.loads(line) for line in MATH_PAPERS.read_text(encoding="utf-8").splitlines()]
SPEC = ",".join(sorted({record["primary_category"] for record in RECORDS}))
LIST = f"/arxiv/{SPEC}?date={MATH_DAY}"

# Done: no wrapper waits for its formulas, and every formula has its MathJax output.
TYPESET = """() => !document.querySelector('.tex.notranslate')
  && document.querySelectorAll('.math').length
     === document.querySelectorAll('.math > mjx-container').length"""
# What MathJax typeset in each formula of each paper (title first), read back from MathJax.
READ_TEX = """() => Object.fromEntries(Array.from(document.querySelectorAll('article.paper'),
  article => [article.dataset.arxivId, Array.from(
    article.querySelectorAll('.paper-title .math, .abstract .math'),
    span => MathJax.startup.document.getMathItemsWithin(span).map(item => item.math))]))"""
# Formulas sticking out of their line: [TeX, formula width, room].
OVERFLOWING = """() => Array.from(document.querySelectorAll('.math > mjx-container'))
  .map(container => {
    const block = container.parentElement.parentElement.closest('p, li, td, th, div, h1, h2, h3');
    const style = getComputedStyle(block);
    const box = block.getBoundingClientRect();
    const left = box.left + parseFloat(style.paddingLeft) + block.clientLeft;
    const right = left + block.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    const math = container.firstElementChild.getBoundingClientRect();
    return [container.parentElement.textContent.slice(0, 60), math.left, math.right, left, right];
  })
  .filter(([, mathLeft, mathRight, left, right]) => mathLeft < left - 1 || mathRight > right + 1)"""
# A browser translator: rewrites (upper-cases) every text node outside translate="no" and
# .notranslate into <font> elements, at once and again after every change of the page. It
# records text it had to translate inside a .tex wrapper whose formulas were not typeset yet.
TRANSLATOR = """
window.translator = (() => {
  const SKIP = '[translate="no"], .notranslate, script, style, font.translated';
  const state = { early: [], translated: 0, typesetAtStart: null };
  function visit() {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.data.trim() && !node.parentElement.closest(SKIP)) nodes.push(node);
    }
    for (const node of nodes) {
      const tex = node.parentElement.closest('.tex');
      if (tex && Array.from(tex.querySelectorAll('.math')).some(m => !m.querySelector('mjx-container'))) {
        state.early.push(tex.textContent.slice(0, 60));
      }
      const outer = document.createElement('font');
      outer.className = 'translated';
      const inner = document.createElement('font');
      inner.textContent = node.data.toUpperCase();
      outer.append(inner);
      node.replaceWith(outer);
      state.translated += 1;
    }
  }
  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => { scheduled = false; visit(); });
  });
  state.start = () => {
    state.typesetAtStart = document.querySelectorAll('mjx-container').length;
    visit();
    observer.observe(document.body, {
      subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: ['class', 'translate'],
    });
  };
  return state;
})();
"""
# Text that a translator would still find outside formulas in titles and abstracts.
UNTRANSLATED = """() => Array.from(document.querySelectorAll('.paper-title a, .abstract'))
  .flatMap(field => {
    const walker = document.createTreeWalker(field, NodeFilter.SHOW_TEXT);
    const left = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.data.trim() && !node.parentElement.closest('.math, font.translated')) {
        left.push(node.data);
      }
    }
    return left;
  })"""


@pytest.fixture
def math_papers() -> dict[str, list[str]]:
    """The math-heavy daily list in the database; each paper's formulas (title first), as
    the server found them."""
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    call_command("ingest_arxiv", str(MATH_PAPERS), verbosity=0)
    return {
        record["id"]: [f.tex for f in find_formulas(record["title"])]
        + [f.tex for f in find_formulas(record["abstract"])]
        for record in RECORDS
    }


def load_everything(page) -> None:
    page.goto(LIST)
    scroll_to_the_end(page)
    page.wait_for_function(TYPESET, timeout=60_000)


def assert_typeset_as_source(page, expected: dict[str, list[str]]) -> None:
    assert page.locator("mjx-merror").count() == 0
    shown = page.evaluate(READ_TEX)
    assert set(shown) == set(expected)
    for arxiv_id, formulas in expected.items():
        assert shown[arxiv_id] == [[tex] for tex in formulas], arxiv_id


@pytest.mark.parametrize("when", ["before typesetting", "after typesetting", "while loading"])
def test_every_formula_typeset_as_its_source_whenever_translation_starts(page, math_papers, when):
    assert len(math_papers) >= 50 and sum(map(len, math_papers.values())) > 500
    page.add_init_script(TRANSLATOR)
    if when == "before typesetting":
        page.add_init_script(
            "document.addEventListener('DOMContentLoaded', () => window.translator.start())"
        )
        load_everything(page)
        assert page.evaluate("window.translator.typesetAtStart") == 0
    elif when == "after typesetting":
        load_everything(page)
        page.evaluate("window.translator.start()")
    else:
        page.goto(LIST)
        page.wait_for_function(TYPESET)
        page.evaluate("window.translator.start()")
        scroll_to_the_end(page)
        page.wait_for_function(TYPESET, timeout=60_000)

    assert page.locator("article.paper").count() == len(math_papers)
    assert_typeset_as_source(page, math_papers)
    page.wait_for_function(f"() => !({UNTRANSLATED})().length")
    assert page.evaluate("window.translator.early") == []
    assert page.evaluate("window.translator.translated") > len(math_papers)
    # Formulas stay untranslatable, their MathJax output too.
    assert page.locator(".math font.translated").count() == 0
    assert page.locator('.math > mjx-container:not(.notranslate[translate="no"])').count() == 0
    # The translated text is the paper's text (upper-cased by this translator).
    first = Paper.objects.get(pk=next(iter(math_papers)))
    words = page.locator(f'article[data-arxiv-id="{first.pk}"] .abstract font.translated')
    assert words.first.text_content() in first.abstract.upper()


def test_no_formula_overflows_a_narrow_screen(page, math_papers):
    page.set_viewport_size({"width": 375, "height": 800})
    load_everything(page)
    assert_typeset_as_source(page, math_papers)
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


WIDE = (
    r"\sum_{i=1}^{n} \left( a_i + b_i + c_i + d_i + e_i + f_i + g_i + h_i + k_i + l_i + m_i "
    r"+ p_i + q_i + r_i \right) = \prod_{j=1}^{m} \frac{x_j}{y_j}"
)
LONG = r"\mathrm{AVeryLongIdentifierWithoutAnyPlaceToBreak}_{\mathrm{AndALongSubscript}}"
QUADRATIC = r"x_{1,2} = \frac{-b \pm \sqrt{b^2-4ac}}{2a}"
ALIGNED = "\n\\begin{aligned}\nf(x) &= (x+1)^2 \\\\\n  + c &= x^2 + 2x + 1 + c\n\\end{aligned}\n"
NOTE = (
    f"The roots are ${QUADRATIC}$, *so* _both_ $a_1 * b_1$ and $c_*$ matter.\n\n"
    f"\\[{ALIGNED}\\]\n\n"
    "| symbol | value |\n|:--|--:|\n| $\\alpha_{i,j}$ | $10^{-3}$ |\n| $\\{x\\}$ | *none* |\n\n"
    f"Wide: $${WIDE}$$ and inline ${LONG}$.\n"
)
NOTE_FORMULAS = [QUADRATIC, "a_1 * b_1", "c_*", ALIGNED, r"\alpha_{i,j}", "10^{-3}", r"\{x\}"]


@pytest.fixture
def noted_paper(math_papers) -> Paper:
    paper = Paper.objects.order_by("pk").first()
    Note.objects.create(paper=paper, title=f"What are ${QUADRATIC}$?", body=NOTE, order=1)
    return paper


def test_notes_typeset_exactly_as_written(page, noted_paper):
    page.goto(f"/arxiv/{noted_paper.pk}")
    page.wait_for_function(TYPESET)
    notes = page.evaluate(
        """() => Array.from(document.querySelectorAll('.paper-notes .math'),
             span => MathJax.startup.document.getMathItemsWithin(span).map(item => item.math))"""
    )
    assert notes == [[tex] for tex in [QUADRATIC, *NOTE_FORMULAS, WIDE, LONG]]
    assert page.locator(".paper-notes mjx-merror").count() == 0
    body = page.locator(".note-body")
    assert body.locator("em").all_text_contents() == ["so", "both", "none"]
    assert body.locator("table tr").count() == 3
    assert body.locator("td.align-right .math").count() == 1
    assert body.locator("ul, li").count() == 0  # the "+ c" line stayed inside the formula


def test_wide_formulas_scale_to_fit_and_back_when_the_window_resizes(page, noted_paper):
    page.goto(f"/arxiv/{noted_paper.pk}")
    page.wait_for_function(TYPESET)
    sizes = """() => Array.from(document.querySelectorAll('.note-body .math > mjx-container'),
      c => c.style.fontSize === c.dataset.size + '%')"""
    assert all(page.evaluate(sizes))  # everything fits at 1280 px: nothing scaled
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_function(f"() => !({OVERFLOWING})().length")
    assert page.evaluate(sizes).count(False) == 2  # the wide display and the long inline one
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function(f"() => ({sizes})().every(Boolean)")


def test_readers_can_switch_typesetting_off_and_on(page, math_papers):
    page.goto(LIST)
    page.wait_for_function(TYPESET)
    with page.expect_navigation():
        page.click("a.math-toggle")
    assert {c["name"]: c["value"] for c in page.context.cookies()}.get("math") == "off"
    # No MathJax at all: the TeX source shows, and the text is translatable at once.
    page.wait_for_function("() => !document.querySelector('.tex.notranslate')")
    assert page.evaluate("Boolean(window.MathJax && window.MathJax.version)") is False
    assert page.locator("mjx-container").count() == 0
    first = next(iter(math_papers))
    shown = page.locator(f'article[data-arxiv-id="{first}"] .abstract .math').all_text_contents()
    assert [unwrap_math(text) for text in shown] == math_papers[first][-len(shown) :]
    assert page.locator("a.math-toggle").text_content() == "Typeset formulas"
    with page.expect_navigation():
        page.click("a.math-toggle")
    page.wait_for_function(TYPESET)
    assert "math" not in {c["name"] for c in page.context.cookies()}


def test_typesetting_a_chunk_is_fast(page, math_papers, capsys):
    """Not a timed assertion: prints how long MathJax takes for a chunk of 25 papers."""
    page.goto(LIST)
    page.wait_for_function(TYPESET)
    chunk_url = page.locator(".sentinel").get_attribute("hx-get")
    timings = page.evaluate(
        """async (url) => {
          const html = await (await fetch(url)).text();
          const times = [];
          for (let round = 0; round < 5; round += 1) {
            const holder = document.createElement('div');
            holder.innerHTML = html;  // the chunk as the server sent it
            const chunk = holder.querySelector('section.chunk');
            document.getElementById('papers').append(chunk);
            const spans = Array.from(chunk.querySelectorAll('.math'));
            const started = performance.now();
            await MathJax.typesetPromise(spans);
            times.push([performance.now() - started, spans.length,
                        chunk.querySelectorAll('article.paper').length]);
            MathJax.typesetClear([chunk]);
            chunk.remove();
          }
          return times;
        }""",
        chunk_url,
    )
    milliseconds = [ms for ms, _, _ in timings]
    formulas, papers = timings[0][1], timings[0][2]
    assert papers == 25 and formulas > 100
    with capsys.disabled():
        print(
            f"\ntypesetting a chunk of {papers} papers ({formulas} formulas): "
            f"first {milliseconds[0]:.0f} ms, median {statistics.median(milliseconds):.0f} ms, "
            f"max {max(milliseconds):.0f} ms"
        )
