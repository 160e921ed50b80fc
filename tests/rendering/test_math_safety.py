r"""Hostile TeX in headless Chromium with the CSP bypassed: whatever MathJax typesets from a
title, an abstract or a staff note is safe on its own, without the Content-Security-Policy.

TeX can ask for links (`\href`, `\mmlToken{mi}[href=…]`), element ids (`\cssId`), classes
(`\class`), inline styles (`\style`, `\bbox[…]`) and data attributes (`\data`, which the
site's own scripts read: `data-star-url` makes a click POST). None of it may reach the page
except http(s) links; `\href{https://…}{x}` shows its text `x` without a link.

Needs /usr/bin/chromium, playwright and the vendored assets (`make assets`); skips without
them, except under CI=true where it fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from coolpapers.papers.models import Archive, Category, Paper
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from coolpapers.rendering.models import Note

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAPER_ID = "2601.00001"
# Each one a formula of its own; "evil" is the id, class and colour they try to set.
HOSTILE = [
    r"\href{javascript:alert(1)}{x_1}",
    r"\href{JavaScript:alert(2)}{x_2}",
    r"\href{data:text/html,<script>alert(3)</script>}{x_3}",
    r"\href{vbscript:msgbox(4)}{x_4}",
    r"\cssId{evil}{x_5}",
    r"\class{evil}{x_6}",
    r"\style{color:red; background:url(https://evil.example/t.png)}{x_7}",
    r"\data{star-url=/evil}{x_8}",
    r"\mmlToken{mi}[href='javascript:alert(9)' id='evil' class='evil' style='color:red']{x}",
    r"\bbox[border:1px solid red; background-image:url(https://evil.example/t.png)]{x_{10}}",
    r"\require{html}\href{javascript:alert(11)}{x_{11}}",
]
# Only where text may hold a tab (notes, MathJax itself): a URL parser drops tabs anywhere,
# and MathJax's own filter finds no scheme in "java\tscript:".
TAB = "\\href{java\tscript:alert(12)}{x_{12}}"
TAB_TOKEN = "\\mmlToken{mi}[href='java\tscript:alert(13)']{x}"
HTTPS = r"\href{https://arxiv.org/}{y}"

# What TeX asked for and a typeset formula kept: links but http(s), ids, the "evil" class,
# the styles asked for and data attributes other than MathJax's own, as "what: where".
LEFTOVERS = """(root) => {
  const found = [];
  for (const node of root.querySelectorAll('.math mjx-container *, .probe mjx-container *')) {
    const where = node.tagName + ' in ' + (node.closest('.math, .probe').textContent || '')
      .slice(0, 40);
    for (const name of ['href', 'xlink:href', 'src']) {
      const url = node.getAttribute(name);
      if (url !== null && !/^https?:$/.test(new URL(url, location.href).protocol)) {
        found.push(name + '=' + url + ': ' + where);
      }
    }
    if (node.id) found.push('id=' + node.id + ': ' + where);
    if (node.classList.contains('evil')) found.push('class=evil: ' + where);
    const style = node.getAttribute('style') || '';
    if (/red|url\\(/.test(style)) found.push('style=' + style + ': ' + where);
    for (const name of node.getAttributeNames()) {
      if (name.startsWith('data-') && !/^data-(mjx-|latex)/.test(name)) {
        found.push(name + ': ' + where);
      }
    }
  }
  return found;
}"""
TYPESET = """() => !document.querySelector('.tex.notranslate')
  && document.querySelectorAll('.math').length
     === document.querySelectorAll('.math > mjx-container').length"""


@pytest.fixture
def open_page(chromium, live_server):
    """A page whose CSP is bypassed; records alerts (dismissed), POSTs and script errors."""
    context = chromium.new_context(
        base_url=live_server.url, bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    seen = {"alerts": [], "posts": [], "errors": []}
    page.on("dialog", lambda dialog: (seen["alerts"].append(dialog.message), dialog.dismiss()))
    page.on("request", lambda r: seen["posts"].append(r.url) if r.method == "POST" else None)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.seen = seen
    yield page
    context.unroute_all(behavior="ignoreErrors")
    context.close()


@pytest.fixture
def hostile_paper(tmp_path: Path) -> Paper:
    """A paper whose title and abstract hold the hostile formulas, with a staff note that
    holds them too."""
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)
    formulas = " and ".join(f"${tex}$" for tex in HOSTILE)
    record = {
        "id": PAPER_ID,
        "title": f"Hostile ${HOSTILE[0]}$ and ${HOSTILE[4]}$ in a title",
        "abstract": f"Formulas {formulas}, and a fair link ${HTTPS}$.",
        "authors": ["Ada Tester"],
        "categories": ["math.RA"],
        "primary_category": "math.RA",
        "announce_date": "2026-01-02",
    }
    source = tmp_path / "hostile.jsonl"
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    call_command("ingest_arxiv", str(source), verbosity=0)
    paper = Paper.objects.get(pk=PAPER_ID)
    Note.objects.create(
        paper=paper,
        title=f"Is ${HOSTILE[0]}$ safe?",
        body=f"Formulas {formulas}, ${TAB}$, ${TAB_TOKEN}$ and ${HTTPS}$.\n\n$${HOSTILE[2]}$$\n",
        order=1,
    )
    return paper


def click_every_formula(page) -> None:
    containers = page.locator(".math mjx-container, .probe mjx-container")
    assert containers.count() > 0
    for i in range(containers.count()):
        container = containers.nth(i)
        # Every part of the formula, where a link or a handler could sit.
        for node in container.locator("mjx-math *").all()[:40]:
            if node.is_visible():
                node.click(timeout=2_000, no_wait_after=True)
    page.wait_for_timeout(300)


def test_hostile_tex_in_titles_abstracts_and_notes_is_inert(open_page, hostile_paper):
    page = open_page
    page.goto(f"/arxiv/{hostile_paper.pk}")
    page.wait_for_function(TYPESET, timeout=30_000)
    assert page.locator("h1 .math mjx-container").count() == 2
    assert page.locator(".abstract .math mjx-container").count() == len(HOSTILE) + 1
    assert page.locator(".paper-notes .math mjx-container").count() == len(HOSTILE) + 5

    click_every_formula(page)
    assert page.seen["alerts"] == []
    assert page.seen["posts"] == []
    assert page.url.endswith(f"/arxiv/{hostile_paper.pk}")
    assert page.seen["errors"] == []

    assert page.evaluate(f"({LEFTOVERS})(document)") == []
    assert page.locator("#evil, .evil, [data-star-url='/evil']").count() == 0
    # Each formula still shows its text, only its link or decoration is gone; \require{html}
    # alone is refused.
    errors = page.locator(".abstract mjx-merror, h1 mjx-merror")
    assert errors.count() == 1
    assert (
        errors.get_attribute("data-mjx-error")
        == 'Extension "[tex]/html" is not allowed to be loaded'
    )


def test_an_https_href_shows_its_text_without_a_link(open_page, hostile_paper):
    page = open_page
    page.goto(f"/arxiv/{hostile_paper.pk}")
    page.wait_for_function(TYPESET, timeout=30_000)
    fair = page.locator(".abstract .math").last
    assert fair.locator("mjx-container").count() == 1
    assert fair.locator("mjx-merror").count() == 0
    assert fair.locator("a").count() == 0
    assert fair.locator("mjx-assistive-mml").text_content() == "y"


# Typeset by MathJax straight from TeX, as a page's own formulas are: every vector at once,
# the tab too (titles lose their tabs on the way in, MathJax must not rely on that).
PROBE = """async ([formulas, name]) => {
  const probe = document.createElement('div');
  probe.className = name;
  for (const tex of formulas) {
    const span = document.createElement('span');
    span.textContent = '\\\\(' + tex + '\\\\)';
    probe.append(span, ' ');
  }
  document.body.prepend(probe);
  await MathJax.typesetPromise([probe]);
  return probe.querySelectorAll('mjx-container').length;
}"""


def test_mathjax_itself_drops_every_unsafe_attribute(open_page, hostile_paper):
    page = open_page
    page.goto(f"/arxiv/{hostile_paper.pk}")
    page.wait_for_function(TYPESET, timeout=30_000)
    formulas = [*HOSTILE, TAB, TAB_TOKEN, HTTPS]
    assert page.evaluate(PROBE, [formulas, "probe"]) == len(formulas)
    assert page.evaluate(f"({LEFTOVERS})(document.querySelector('.probe'))") == []
    probe = page.locator(".probe mjx-container")
    for i, tex in enumerate(formulas):
        assert probe.nth(i).locator("a").count() == 0, tex
    # What stays allowed: colours (MathML's mathcolor) and http(s) links from \mmlToken.
    fair = [r"\color{red}{z}", r"\mmlToken{mi}[href='https://arxiv.org/']{w}"]
    assert page.evaluate(PROBE, [fair, "fair"]) == 2
    assert page.locator(".fair mjx-container").first.locator("[style*='red']").count() == 1
    link = page.locator(".fair mjx-container").last.locator("a")
    assert link.get_attribute("href") == "https://arxiv.org/"
    click_every_formula(page)
    assert page.seen["alerts"] == []
    assert page.seen["posts"] == []
    assert page.seen["errors"] == []
