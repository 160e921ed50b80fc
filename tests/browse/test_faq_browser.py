"""A reader clicks [FAQ] on a card and watches the answer stream in and typeset: no raw TeX
visible at any moment, polling stops once it is done, axe clean, light and dark, no overflow
at 390 px. Under the strict CSP of the browser tests (no inline script or style)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from coolpapers.faq import services
from coolpapers.faq.models import FAQ, FaqStatus
from tests.axe import violations
from tests.faq import conftest as faq_fixtures
from tests.faq.conftest import Step, answer_stream

# The FAQ's fixtures: real papers, the scripted chat server and the site pointed at it.
papers = faq_fixtures.papers
scripted = faq_fixtures.scripted
llm = faq_fixtures.llm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/l2-shots")
# Whether the answer shows TeX source right now: a visible body whose text has `$` or `\`.
RAW_TEX = """() => {
  const body = document.querySelector("main .faq-answer .faq-body");
  if (!body || getComputedStyle(body).visibility !== "visible") return "";
  const text = body.innerText;
  return /[$\\\\]/.test(text) ? text.slice(0, 200) : "";
}"""

STATE = """() => {
  const status = document.querySelector("main .faq-answer .faq-status");
  return {
    writing: !!status && status.innerText.includes("Being written"),
    headings: document.querySelectorAll("main .faq-answer .faq-body h2").length,
    done: !!document.querySelector("main .faq-answer .faq-meta"),
  };
}"""


class Worker(threading.Thread):
    """The llm queue's worker, in a thread of the test: answers queued FAQs as they come."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if FAQ.objects.filter(status=FaqStatus.QUEUED).exists():
                    services.run_next()
                time.sleep(0.1)
        finally:
            connection.close()


@pytest.fixture
def worker():
    thread = Worker()
    thread.start()
    yield thread
    thread.stop.set()
    thread.join(10)


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_click_faq_watch_it_stream_and_typeset(
    page, papers, llm, worker, scheme, monkeypatch
) -> None:
    monkeypatch.setattr(services, "SAVE_INTERVAL", 0)  # each piece saved: the page shows the
    body = answer_stream()  # half answer while the stream pauses
    # Half the answer, a pause the page's polling sees, then the rest.
    llm.script(Step(body=body, pause=3, pause_after=len(body) // 2))
    paper = papers[0]
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/arxiv/{paper.primary_category_id}")
    card = page.locator(f'article.paper[data-arxiv-id="{paper.arxiv_id}"]')
    shoot(page, f"card-{scheme}-1366")
    card.locator("a.action-faq").click()
    page.wait_for_url(f"**/arxiv/{paper.arxiv_id}/faq")

    raw: list[str] = []
    seen_partial = False
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if shown := page.evaluate(RAW_TEX):
            raw.append(shown)
        # One look at the page (the answer is swapped under the test's feet).
        state = page.evaluate(STATE)
        if state["writing"] and state["headings"] and not seen_partial:
            seen_partial = True
            shoot(page, f"faq-streaming-{scheme}-1366")
        if state["done"]:
            break
        time.sleep(0.1)
    assert seen_partial, "the partial answer never showed"
    page.wait_for_selector("main .faq-body mjx-container")
    page.wait_for_function("!document.querySelector('main .tex.notranslate')")
    assert page.evaluate(RAW_TEX) == ""
    assert raw == [], raw
    text = page.locator("main .faq-body").inner_text()
    assert "What problem" in text and "<script>alert(1)</script>" in text  # as text
    assert page.locator("main .faq-body a").count() == 0  # no javascript: link
    assert page.locator("main .faq-body mjx-container").count() == 3
    assert "scripted" in page.locator(".faq-meta").inner_text()
    assert not page.locator("main .faq-answer[hx-trigger]").count()  # polling stopped
    shoot(page, f"faq-done-{scheme}-1366")
    assert violations(page) == []

    # The next reader: stored, served at once, typeset, nothing generated.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/arxiv/{paper.arxiv_id}/faq")
    page.wait_for_selector("main .faq-body mjx-container")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shoot(page, f"faq-done-{scheme}-390")
    assert len(llm.requests) == 1

    # The paper page's FAQ section loads the stored answer when it comes into view.
    page.goto(f"/arxiv/{paper.arxiv_id}")
    page.locator("#faq").scroll_into_view_if_needed()
    page.wait_for_selector("#faq .faq-body mjx-container")
    page.wait_for_function("!document.querySelector('main .tex.notranslate')")
    page.locator("#faq").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shoot(page, f"paper-faq-{scheme}-390")
    assert violations(page) == []
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/arxiv/{paper.arxiv_id}")
    page.locator("#faq").scroll_into_view_if_needed()
    page.wait_for_selector("#faq .faq-body mjx-container")
    shoot(page, f"paper-faq-{scheme}-1366")
    page.goto(f"/arxiv/{paper.primary_category_id}")
    shoot(page, f"card-{scheme}-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/arxiv/{paper.primary_category_id}")
    action = page.locator(f'article.paper[data-arxiv-id="{paper.arxiv_id}"] a.action-faq')
    action.scroll_into_view_if_needed()
    shoot(page, f"card-{scheme}-390")
