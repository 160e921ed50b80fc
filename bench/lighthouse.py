"""Lighthouse scores of the pages readers open most, mobile and desktop.

    python -m bench.lighthouse --data-dir DIR [--runs 1] [--json out.json]
    python -m bench.lighthouse --base-url http://127.0.0.1:8000 [...]

Runs npm's lighthouse (pinned in package.json) against Debian's chromium (CHROME_PATH,
default /usr/bin/chromium) and prints performance, accessibility, best practices and SEO for
home, a 25-paper math list, a paper page and a search, with Lighthouse's mobile and desktop
presets. With --data-dir it serves that data dir (run `make run` or load_demo there first)
with gunicorn on a free port, as production does (DEBUG off, static files compressed by
WhiteNoise); with --base-url it audits a site that is already running. With --runs N each
score is the median of N runs (performance varies with the machine's load).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update"
)
# The demo data's day with the most math papers (31: the list's first page holds 25).
MATH_DAY = "2026-08-04"
PRESETS = ("mobile", "desktop")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(data_dir: str) -> Iterator[str]:
    """The site of data_dir under gunicorn, as production serves it."""
    port = free_port()
    env = {
        **os.environ,
        "COOLPAPERS_DATA_DIR": data_dir,
        "DJANGO_DEBUG": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    python = Path(sys.executable)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    log = open(Path(data_dir) / "bench-lighthouse-gunicorn.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [python.parent / "gunicorn", "-c", "gunicorn.conf.py", "coolpapers.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # serving; /healthz may fault a broker the bench does not need
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit(f"bench.lighthouse: the site did not start (see {log.name})")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def pages(base: str) -> dict[str, str]:
    """What to audit: the paper page is the math list's first paper."""
    math_list = f"/arxiv/math?date={MATH_DAY}"
    html = urllib.request.urlopen(base + math_list, timeout=30).read().decode()
    found = re.search(r'data-arxiv-id="([^"]+)"', html)
    if not found:
        raise SystemExit(f"bench.lighthouse: {math_list} lists no paper (load the demo data)")
    return {
        "home": "/",
        "math list (25 papers)": math_list,
        "paper": f"/arxiv/{found.group(1)}",
        "search": "/arxiv/search?q=how+do+transformers+handle+long+context",
    }


def audit(url: str, preset: str) -> dict[str, int]:
    """One Lighthouse run: the four category scores, 0 to 100."""
    if not LIGHTHOUSE.exists():
        raise SystemExit("bench.lighthouse: node_modules/.bin/lighthouse is missing (npm ci)")
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"bench.lighthouse: lighthouse failed on {url}: {result.stderr[-500:]}")
    report = json.loads(result.stdout)
    return {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", help="serve this COOLPAPERS_DATA_DIR with gunicorn")
    where.add_argument("--base-url", help="audit a site that is already running")
    parser.add_argument("--runs", type=int, default=1, help="median of this many runs")
    parser.add_argument("--json", help="also write the scores to this file")
    args = parser.parse_args(argv)

    @contextmanager
    def site() -> Iterator[str]:
        if args.base_url:
            yield args.base_url.rstrip("/")
        else:
            with served(args.data_dir) as base:
                yield base

    rows = []
    with site() as base:
        for label, path in pages(base).items():
            for preset in PRESETS:
                runs = [audit(base + path, preset) for _ in range(args.runs)]
                scores = {name: statistics.median(r[name] for r in runs) for name in CATEGORIES}
                rows.append({"page": label, "path": path, "preset": preset, **scores})
                print(f"  {label} ({preset}): {scores}", file=sys.stderr, flush=True)

    print("| page | preset | performance | accessibility | best practices | SEO |")
    print("|---|---|---:|---:|---:|---:|")
    for row in rows:
        scores = " | ".join(f"{row[name]:.0f}" for name in CATEGORIES)
        print(f"| {row['page']} | {row['preset']} | {scores} |")
    lowest = min(row[name] for row in rows for name in CATEGORIES)
    print(f"lowest score: {lowest:.0f} (target: 95 in every category on every page)")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
