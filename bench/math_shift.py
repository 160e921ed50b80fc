"""Formulas without flash or shift: layout shift (CLS) and time to typeset on a math-heavy list.

    python -m bench.math_shift [--base-url http://127.0.0.1:8102] [--path /arxiv/…?date=…]
        [--runs 3] [--before] [--cpu 4] [--scroll]

Opens the list in headless Chromium (Debian's, as the browser tests) at a desktop viewport
(1366x900) and a phone one (390x844, 3x pixels, touch), and prints per viewport the median
over the runs of:

- CLS: the largest session window of layout shifts (web-vitals' definition: shifts less than
  1 s apart, a window at most 5 s long), observed with PerformanceObserver('layout-shift',
  buffered), from navigation until every formula of the first chunk is typeset and the
  fonts are loaded, plus one second; with --scroll also while scrolling the list to its end
  (lazily loaded chunks), a step of 80 % of the viewport every 250 ms;
- raw TeX: animation frames (sampled with requestAnimationFrame, i.e. what the next paint
  shows) in which TeX source of an unset formula was visible in the viewport, out of all
  frames, and the first paint's count of them;
- FCP, LCP, and the time at which every formula in the first viewport was typeset and
  visible ("viewport typeset") and every formula of the first chunk ("chunk typeset").

--before serves static/coolpapers/js/math.js and static/coolpapers/css/site.css as committed
in git HEAD instead of the working tree (the same page otherwise), for a before/after table.
--cpu N slows the CPU down N times (Chrome DevTools' throttling; 4 is a mid-range phone).

Needs a running site with math-heavy papers on the list's day; the default path is the demo
data's busiest day with the 64 formula-heavy records of tests/rendering/fixtures on top:

    COOLPAPERS_DATA_DIR=DIR manage.py load_demo
    COOLPAPERS_DATA_DIR=DIR manage.py ingest_arxiv tests/rendering/fixtures/math_papers.jsonl
    COOLPAPERS_DATA_DIR=DIR DJANGO_DEBUG=1 manage.py runserver 127.0.0.1:8102
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# The mathematics of the demo data's busiest day: about 50 papers, 600 formulas, two chunks.
SPECS = (
    "math-ph,math.AC,math.AT,math.CO,math.CT,math.GR,math.KT,math.NT,math.PR,math.QA,math.RA,"
    "math.RT"
)
DEFAULT_PATH = f"/arxiv/{SPECS}?date=2026-08-18"
VIEWPORTS = {
    "desktop 1366x900": {"viewport": {"width": 1366, "height": 900}},
    "phone 390x844": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}
# Files whose committed version --before serves.
BEFORE_FILES = ("static/coolpapers/js/math.js", "static/coolpapers/css/site.css")

# Installed before the page's own scripts (Playwright's add_init_script): records layout
# shifts, paints and, in every animation frame, whether TeX source of an unset formula is
# visible in the viewport. Read back as window.mathShift.report().
PROBE = r"""
window.mathShift = (() => {
  const state = {
    shifts: [], frames: 0, pendingFrames: 0, rawFrames: 0, rawAtFirstFrame: null, rawSamples: [],
    strayFrames: 0, straySamples: [], viewportTypeset: null, chunkTypeset: null,
    fcp: null, lcp: null, fontsLoaded: null, running: true,
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      state.shifts.push({
        time: entry.startTime, value: entry.value,
        sources: (entry.sources || []).slice(0, 3).map((source) => {
          const node = source.node;
          const element = node && (node.nodeType === 1 ? node : node.parentElement);
          return element ? element.tagName + '.' + element.className : '?';
        }),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name === 'first-contentful-paint') state.fcp = entry.startTime;
    }
  }).observe({ type: 'paint', buffered: true });
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    if (entries.length) state.lcp = entries[entries.length - 1].startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });

  // A formula is unset while its .math span holds no MathJax output.
  const unset = (math) => !math.querySelector('mjx-container');
  const DELIMITERS = /\\\(|\\\)|\\\[|\\\]|\$|\\begin\{/;
  function inViewport(rect) {
    return rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0
      && rect.top < innerHeight && rect.left < innerWidth;
  }
  function shown(node) {
    // A text node the reader can see: rendered, not hidden, not transparent, on screen.
    const element = node.parentElement;
    if (!element || !element.checkVisibility({ visibilityProperty: true, opacityProperty: true })) {
      return false;
    }
    const range = document.createRange();
    range.selectNodeContents(node);
    return Array.from(range.getClientRects()).some(inViewport);
  }
  function textNodes(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  }
  function sample(now) {
    if (!state.running || !document.body) return;
    state.frames += 1;
    // TeX of unset formulas that shows.
    const raw = [];
    for (const math of document.querySelectorAll('.math')) {
      if (!unset(math)) continue;
      for (const node of textNodes(math)) {
        if (node.data.trim() && shown(node)) { raw.push(node.data.slice(0, 40)); break; }
      }
    }
    // Any other visible text with a math delimiter (TeX the server did not take for a
    // formula shows as written: a price, a lone `$`): counted apart, for information.
    const stray = [];
    for (const node of textNodes(document.body)) {
      if (DELIMITERS.test(node.data) && !node.parentElement.closest('.math, script, style')
          && shown(node)) {
        stray.push(node.data.trim().slice(0, 40));
      }
    }
    // Unset formulas in the viewport, shown or not: the moments the probe is about.
    if (Array.from(document.querySelectorAll('.math')).some(
      (math) => unset(math) && inViewport(math.getBoundingClientRect()))) {
      state.pendingFrames += 1;
    }
    if (state.frames === 1) state.rawAtFirstFrame = raw.length;
    if (raw.length) {
      state.rawFrames += 1;
      if (state.rawSamples.length < 5) state.rawSamples.push([Math.round(now), raw.slice(0, 3)]);
    }
    if (stray.length) {
      state.strayFrames += 1;
      if (state.straySamples.length < 5) state.straySamples.push(stray.slice(0, 3));
    }
    const all = Array.from(document.querySelectorAll('.math'));
    if (state.viewportTypeset === null && document.readyState !== 'loading' && all.length) {
      const visible = all.filter((math) => inViewport(math.getBoundingClientRect()));
      const done = (math) => !unset(math) && math.checkVisibility({ visibilityProperty: true });
      if (visible.every(done)) {
        state.viewportTypeset = now;
      }
    }
    if (state.chunkTypeset === null && document.readyState !== 'loading' && all.length
        && !document.querySelector('.tex.notranslate') && !all.some(unset)) {
      state.chunkTypeset = now;
    }
    requestAnimationFrame(sample);
  }
  requestAnimationFrame(sample);
  if (document.fonts) document.fonts.ready.then(() => { state.fontsLoaded = performance.now(); });

  state.report = (since = 0) => {
    // CLS as web-vitals computes it: the largest session window (of the shifts after
    // `since`, a performance.now() time).
    let cls = 0, window = 0, first = 0, last = 0;
    const shifts = state.shifts.filter((shift) => shift.time > since);
    for (const shift of shifts) {
      if (window && shift.time - last < 1000 && shift.time - first < 5000) {
        window += shift.value;
      } else {
        window = shift.value;
        first = shift.time;
      }
      last = shift.time;
      cls = Math.max(cls, window);
    }
    const { report, ...rest } = state;
    return { ...rest, shifts, cls, total: shifts.reduce((sum, s) => sum + s.value, 0) };
  };
  state.stop = (since) => { state.running = false; return state.report(since); };
  return state;
})();
"""

SETTLED = """() => window.mathShift.chunkTypeset !== null && window.mathShift.fontsLoaded !== null
  && document.fonts.status === 'loaded'"""


@dataclass
class Run:
    cls: float
    total: float
    frames: int
    raw_frames: int
    raw_at_first_frame: int
    stray_frames: int
    fcp: float
    lcp: float
    viewport_typeset: float
    chunk_typeset: float
    shifts: list[dict]
    raw_samples: list
    stray_samples: list


def committed(path: str) -> bytes:
    return subprocess.run(
        ["git", "show", f"HEAD:{path}"], cwd=ROOT, capture_output=True, check=True
    ).stdout


def serve(body: bytes, kind: str):
    def handler(route) -> None:
        route.fulfill(body=body, content_type=kind)

    return handler


def open_list(browser, url: str, viewport: dict, before: bool, cpu: float):
    """A new page with the probe installed (and the committed files served, for --before)."""
    context = browser.new_context(**viewport)
    if before:
        for path in BEFORE_FILES:
            body = committed(path)
            kind = "text/css" if path.endswith(".css") else "text/javascript"
            name = path.removeprefix("static/")
            context.route(f"**/static/{name}*", serve(body, kind))
    page = context.new_page()
    if cpu > 1:
        session = context.new_cdp_session(page)
        session.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    page.add_init_script(PROBE)
    return context, page


def scroll_through(page) -> None:
    """Down the whole list like a reader skimming: 80 % of a screen every 250 ms, lazily
    loaded chunks included, then wait until they are typeset."""
    for _ in range(400):
        at_end = page.evaluate(
            """() => { scrollBy(0, innerHeight * 0.8);
                 return innerHeight + scrollY >= document.body.scrollHeight - 2
                   && !!document.querySelector('.end-of-list'); }"""
        )
        page.wait_for_timeout(250)
        if at_end:
            break
    page.wait_for_function(
        "() => !document.querySelector('.tex.notranslate')", timeout=120_000, polling=200
    )
    page.wait_for_timeout(1000)


def measure(browser, url: str, viewport: dict, before: bool, cpu: float, scroll: bool) -> Run:
    context, page = open_list(browser, url, viewport, before, cpu)
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_function(SETTLED, timeout=120_000, polling=100)
        page.wait_for_timeout(1000)
        if scroll:
            scroll_through(page)
        data = page.evaluate("window.mathShift.stop()")
    finally:
        context.close()
    return Run(
        cls=data["cls"],
        total=data["total"],
        frames=data["frames"],
        raw_frames=data["rawFrames"],
        raw_at_first_frame=data["rawAtFirstFrame"] or 0,
        stray_frames=data["strayFrames"],
        fcp=data["fcp"] or 0.0,
        lcp=data["lcp"] or 0.0,
        viewport_typeset=data["viewportTypeset"] or 0.0,
        chunk_typeset=data["chunkTypeset"] or 0.0,
        shifts=data["shifts"],
        raw_samples=data["rawSamples"],
        stray_samples=data["straySamples"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8102")
    parser.add_argument("--path", default=DEFAULT_PATH)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", action="store_true", help="math.js and site.css of HEAD")
    parser.add_argument("--cpu", type=float, default=1.0, help="CPU slow-down factor")
    parser.add_argument("--scroll", action="store_true", help="also scroll to the list's end")
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    parser.add_argument("--verbose", action="store_true", help="print the largest shifts")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    url = args.base_url.rstrip("/") + args.path
    label = "HEAD (before)" if args.before else "working tree"
    print(f"{label}, CPU x{args.cpu:g}, {args.runs} runs{', scrolling' if args.scroll else ''}")
    print(
        f"{'viewport':<18} {'CLS':>6} {'sum':>6} {'raw-TeX frames':>15} {'1st':>4} "
        f"{'FCP':>6} {'LCP':>6} {'viewport':>9} {'chunk':>7} ms"
    )
    results: dict[str, list[dict]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for name, viewport in VIEWPORTS.items():
                runs = [
                    measure(browser, url, viewport, args.before, args.cpu, args.scroll)
                    for _ in range(args.runs)
                ]
                results[name] = [run.__dict__ for run in runs]

                def median(field: str, runs: list[Run] = runs) -> float:
                    return statistics.median(getattr(run, field) for run in runs)

                raw = f"{median('raw_frames'):.0f}/{median('frames'):.0f}"
                print(
                    f"{name:<18} {median('cls'):6.3f} {median('total'):6.3f} {raw:>15} "
                    f"{median('raw_at_first_frame'):4.0f} {median('fcp'):6.0f} "
                    f"{median('lcp'):6.0f} {median('viewport_typeset'):9.0f} "
                    f"{median('chunk_typeset'):7.0f}"
                )
                if args.verbose:
                    for run in runs:
                        big = sorted(run.shifts, key=lambda s: -s["value"])[:4]
                        shown = [
                            (round(s["time"]), round(s["value"], 4), s["sources"]) for s in big
                        ]
                        print("   shifts:", shown)
                        print("   raw:", run.raw_samples[:2], "stray:", run.stray_samples[:2])
        finally:
            browser.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
