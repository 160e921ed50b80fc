"""Regenerate the README's screenshots from the real site.

    python docs/screenshots.py --data-dir var        # after `make run` has loaded the demo
    python docs/screenshots.py --base-url http://127.0.0.1:8000

Drives Debian's chromium (/usr/bin/chromium) with Playwright through the pages of the README's
tour, waits until every formula is typeset and lazily loaded parts have arrived, and writes
PNGs to docs/screenshots/. With --data-dir it serves that data dir with gunicorn first.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.lighthouse import CHROME_FLAGS, MATH_DAY, served  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
BUSY_DAY = "2026-08-18"


def shots(paper_id: str) -> list[tuple[str, str, dict[str, int], str]]:
    """(file name, path, viewport, colour scheme) of each picture, in tour order."""
    return [
        ("home.png", "/", DESKTOP, "light"),
        ("list.png", f"/arxiv/cs.CL?date={BUSY_DAY}", DESKTOP, "light"),
        ("list-dark-phone.png", f"/arxiv/math?date={MATH_DAY}", PHONE, "dark"),
        ("paper.png", f"/arxiv/{paper_id}", DESKTOP, "light"),
        ("search.png", "/arxiv/search?q=difusion+models+for+video", DESKTOP, "light"),
        ("search-help.png", "/arxiv/search", PHONE, "light"),
    ]


def reader_shots(browser, base: str) -> list[Path]:
    """A new reader: sign up, import a BibTeX file of three cs.CL papers, rate two papers of
    For you; then For you (desktop), the collection (phone, dark) and the digest settings."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{base}/arxiv/cs.CL?date={BUSY_DAY}")
    ids = page.eval_on_selector_all("article.paper", "els => els.map(e => e.dataset.arxivId)")[:3]
    page.goto(f"{base}/accounts/signup/")
    password = secrets.token_urlsafe(16)
    page.fill("input[name=email]", f"reader-{secrets.token_hex(4)}@example.org")
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/library")
    page.locator("main a[href^='/library/']").first.click()
    page.wait_for_load_state("networkidle")
    collection = page.url
    entries = "".join(
        f"@misc{{p{i}, title={{?}}, eprint={{{pid}}}, archivePrefix={{arXiv}}}}\n"
        for i, pid in enumerate(ids)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".bib", delete=False) as bib:
        bib.write(entries + "@article{x, title={A paper the site does not hold}}\n")
    page.click("#import summary")
    page.set_input_files("#import-file", bib.name)
    page.locator("#import form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    os.unlink(bib.name)
    page.goto(f"{base}/for-you")
    settle(page)
    for n in (1, 2):
        page.locator("button.rate-up").nth(n).click()
        page.wait_for_timeout(500)
    pictures = [
        ("foryou.png", "/for-you", DESKTOP, "light"),
        ("library-dark-phone.png", collection.removeprefix(base), PHONE, "dark"),
        ("digest.png", collection.removeprefix(base) + "/digest", PHONE, "light"),
    ]
    written = []
    state = context.storage_state()
    context.close()
    for name, path, viewport, scheme in pictures:
        context = browser.new_context(viewport=viewport, color_scheme=scheme, storage_state=state)
        page = context.new_page()
        page.goto(base + path)
        settle(page)
        page.screenshot(path=str(OUT / name))
        written.append(OUT / name)
        context.close()
    return written


def settle(page) -> None:
    """Wait for the network, then for MathJax to finish whatever it started."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('.tex.notranslate') || document.cookie.includes('math=off')",
        timeout=30_000,
    )
    page.wait_for_timeout(300)


def take(base: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROME_FLAGS.split()[1:]
        )
        try:
            page = browser.new_page(viewport=DESKTOP)
            # A fresh web process builds its speller on the first search (in the background):
            # ask until every worker corrects, as a reader a few seconds later would see it.
            corrected = 0
            for _ in range(60):
                page.goto(f"{base}/arxiv/search?q=difusion+models+for+video")
                corrected = corrected + 1 if page.locator(".search-corrected").count() else 0
                if corrected == 6:
                    break
                page.wait_for_timeout(300)
            page.goto(f"{base}/arxiv/math?date={MATH_DAY}")
            paper_id = page.get_attribute("article.paper", "data-arxiv-id")
            for name, path, viewport, scheme in shots(paper_id):
                context = browser.new_context(viewport=viewport, color_scheme=scheme)
                page = context.new_page()
                page.goto(base + path)
                settle(page)
                target = OUT / name
                page.screenshot(path=str(target))
                written.append(target)
                context.close()
            written += reader_shots(browser, base)
        finally:
            browser.close()
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", help="serve this COOLPAPERS_DATA_DIR with gunicorn")
    where.add_argument("--base-url", help="a site that is already running")
    args = parser.parse_args(argv)

    @contextmanager
    def site() -> Iterator[str]:
        if args.base_url:
            yield args.base_url.rstrip("/")
        else:
            # No Celery worker here: a rating trains its profile in the request.
            os.environ["RANKING_TRAINING"] = "sync"
            with served(args.data_dir) as base:
                yield base

    with site() as base:
        for path in take(base):
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
