"""Headless Debian Chromium for the browser tests, launched once per test module.

Needs /usr/bin/chromium, the `playwright` package and the vendored front-end assets
(`make assets`). Without them the tests skip, except under CI=true where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# What the site is served with in tests: any inline script, style or handler breaks a page.
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
VENDORED = [
    ROOT / "static" / "vendor" / "htmx" / "htmx.min.js",
    ROOT / "static" / "vendor" / "mathjax" / "startup.js",
]


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the browser tests to run")
    pytest.skip(reason)


@contextmanager
def launched() -> Iterator[object]:
    """A Playwright Chromium browser; skips (fails under CI) when a part is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    for asset in VENDORED:
        if not asset.exists():
            unavailable(f"{asset.relative_to(ROOT)} is missing (make assets)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # synchronous and safe, so tell Django not to refuse them (while the browser runs).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
