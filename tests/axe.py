"""axe-core accessibility audits inside the Playwright browser tests.

axe-core comes from npm (package.json pins it; it is the engine that @axe-core/playwright
wraps for Node). It is evaluated through the DevTools protocol, which the site's strict CSP
does not apply to, so pages are audited exactly as readers get them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tests.browser import ROOT, unavailable

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The impacts that fail a test; "moderate" and "minor" findings are reported, not fatal.
FATAL = ("serious", "critical")


@cache
def _source(path: Path = AXE) -> str:
    return path.read_text(encoding="utf-8")


def violations(page, *, impacts: tuple[str, ...] = FATAL) -> list[str]:
    """axe's violations of the page as it is now, one line per rule and element, for
    `assert violations(page) == []`."""
    if not AXE.exists():
        unavailable(f"{AXE.relative_to(ROOT)} is missing (npm ci)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_source())
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ["violations"]});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
          }));
        }"""
    )
    return [
        f"{item['impact']}: {item['id']} at {', '.join(item['targets'])}"
        for item in found
        if item["impact"] in impacts
    ]
