"""The site's own Content-Security-Policy header in headless Chromium: no page violates it, and
MathJax (loaded from 'self' by base.html) typesets formulas under it, without 'unsafe-inline'.

Needs /usr/bin/chromium, playwright and the vendored assets (`make assets`); skips without
them, except under CI=true where it fails.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from coolpapers.ops.middleware import csp_header
from coolpapers.papers.models import Archive, Category, Paper
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Listening from the first script on, so nothing blocked early goes unseen.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.effectiveDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    yield page
    context.close()


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations")


@pytest.fixture
def site(index) -> None:
    """The indexed fixture papers, with the taxonomy a live-server flush may have removed."""
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)


def test_no_page_violates_the_policy(page, site):
    paper = Paper.objects.get(pk="2503.19253")  # "$L^2$FMamba: …"
    paths = [
        "/",
        "/arxiv/cs.CV?date=2025-03-18",  # two pages: htmx loads the second on scroll
        f"/arxiv/{paper.pk}",
        "/arxiv/search?q=vision",
        "/api/docs/",
        "/admin/login/",
    ]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert response.headers["content-security-policy"] == csp_header(
            settings.CONTENT_SECURITY_POLICY
        )
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


def test_mathjax_typesets_under_the_policy(page, site):
    page.goto("/arxiv/2503.19253")
    page.wait_for_selector("h1 mjx-container", timeout=20_000)
    page.wait_for_load_state("networkidle")

    assert violations(page) == []
    # Laid out with MathJax's style sheets and its fonts, which came from 'self'.
    box = page.eval_on_selector("h1 mjx-container", "node => node.getBoundingClientRect().width")
    assert box > 5
    fonts = page.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name).filter(n => n.endsWith('.woff2'))"
    )
    assert fonts and all(url.startswith(page.url.split("/arxiv/")[0]) for url in fonts)
