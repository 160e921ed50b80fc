"""Regenerate the README's screenshots from the real site.

    python docs/screenshots.py --data-dir var        # after `make run` has loaded the demo
    python docs/screenshots.py --base-url http://127.0.0.1:8000

Drives Debian's chromium (/usr/bin/chromium) with Playwright through the pages of the README's
tour, waits until every formula is typeset and lazily loaded parts have arrived, and writes
PNGs to docs/screenshots/. With --data-dir it serves that data dir with gunicorn first.
"""

from __future__ import annotations

import argparse
import sys
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
            with served(args.data_dir) as base:
                yield base

    with site() as base:
        for path in take(base):
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
