"""Headless Chromium, strict CSP: a Chinese browser gets the Chinese interface, its scripts'
messages included; the header's switch works from the keyboard without JS and is
remembered; Chinese pages fit a 360 px phone and pass axe in both themes."""

from __future__ import annotations

import pytest

from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import CATEGORIES, load_taxonomy
from tests.axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAPER = "2503.11685"
LIST = "/arxiv/cs.CV?date=2025-03-18"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


@pytest.fixture
def site(related) -> None:
    """The fixture papers with keywords and related papers, and the taxonomy."""
    # A live-server test ends with a flush that also empties the taxonomy tables.
    if Category.objects.count() < len(CATEGORIES):
        load_taxonomy(Archive, Category)


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_a_chinese_browser_gets_the_chinese_interface_and_messages(page, site):
    page.set_extra_http_headers(ZH)
    page.goto(f"/arxiv/{PAPER}")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#related-heading").inner_text() == "相关论文"
    assert page.locator("h1.paper-title").get_attribute("lang") == "en"
    # The related papers load by htmx into the Chinese page.
    page.locator("#related").scroll_into_view_if_needed()
    page.locator(".related-chunk article.paper").first.wait_for()
    # Messages written by the scripts come from the Chinese catalog.
    page.goto("/interests")
    status = page.locator(".cloud-status")
    assert "打开几篇论文" in status.inner_text() or "个关键词" in status.inner_text()
    assert page.locator(".prefer-current").inner_text() != ""
    assert "❤ 排序" in page.locator(".prefer-current").inner_text()
    page.goto(LIST)
    page.locator("form.filter-bar input[name=keywords]").fill("image")
    page.locator(".filter-status").filter(has_text="篇匹配").wait_for()


def test_the_switch_works_from_the_keyboard_and_is_remembered(page, site):
    page.set_extra_http_headers(ZH)
    page.goto(LIST)
    # Named for screen readers in the page's language, the target language in its own.
    switch = page.get_by_role("link", name="界面语言\N{FULLWIDTH COLON} English")
    assert switch.locator("span[lang=en]").inner_text() == "English"
    # Reach it with Tab and follow it with Enter, as a keyboard reader does.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('language-switch')"):
            break
    else:
        pytest.fail("the language switch is not reachable with Tab")
    # (The fixture's CSP route follows the redirect itself: the address bar keeps /language.)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "cs.CV" in page.locator("h1").inner_text()  # back on the same list
    # The browser still asks for Chinese; the cookie wins on every page from now on.
    page.goto("/")
    assert page.locator("h1").inner_text() == "Daily arXiv lists"
    with page.expect_navigation():
        page.locator("a.language-switch").click()
    assert page.locator("h1").inner_text() == "arXiv 每日列表"


def test_the_switch_works_without_javascript(chromium, live_server, site):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/arxiv/{PAPER}")
        page.locator("a.language-switch").click()
        page.wait_for_url(lambda url: url.endswith(f"/arxiv/{PAPER}"))
        assert page.locator("html").get_attribute("lang") == "zh-hans"
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chinese_pages_fit_a_phone_and_pass_axe(page, site, scheme):
    page.set_extra_http_headers(ZH)
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 360, "height": 780})
    paths = ["/", LIST, f"/arxiv/{PAPER}", f"/arxiv/{PAPER}/related", "/interests"]
    widths, found = {}, {}
    for path in paths:
        page.goto(path)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        widths[path] = overflow(page)
        found[path] = violations(page)
    assert widths == dict.fromkeys(paths, 0)
    assert found == {path: [] for path in paths}
