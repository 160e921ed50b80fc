"""Load benchmark: the production web service (gunicorn.conf.py, DJANGO_SECURE=true, Redis
cache) on PostgreSQL with the whole corpus, under wrk: many clients for a while on a mix of
daily lists, their lazily loaded chunks, paper pages and searches.

    python -m bench.load [--corpus PATH] [--database-url URL] [--data-dir DIR]
                         [--clients 50] [--duration 60]

Unless --cold, every URL is requested once before wrk starts, as a day's first readers
would: the measured run then shows the site with its page cache filled. The first run
creates the database (default coolpapers_bench, never the site's or the
tests'), ingests the corpus and builds the index in DIR; later runs reuse them. A private
redis-server serves the cache. wrk (Debian package `wrk`) sends every request to 127.0.0.1
only, as a browser behind the TLS proxy would (X-Forwarded-Proto: https). Exits 1 unless there
are no errors and p95 is under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

from bench import DEFAULT_CORPUS, QUERIES

ROOT = Path(__file__).resolve().parents[1]
P95_LIMIT_MS = 200
# Busy and quiet lists, unions and exclusions, as readers follow them.
SPECS = [
    "cs.AI", "cs.CV", "cs.CL", "cs.LG", "cs.RO", "cs.CR", "eess.IV", "quant-ph", "hep-th",
    "astro-ph.GA", "math.CA", "cs.AI,cs.CL", "cs.AI+cs.LG-cs.CY", "cs.CV+eess.IV-cs.AI",
]  # fmt: skip
DAYS_PER_SPEC = 15
PAPER_PAGES = 3000
TITLE_QUERIES = 1000  # two title words each: mostly not in the 5-minute result cache
# Share of requests per kind: a reader mostly pages through lists and opens papers.
MIX = {"list": 0.35, "chunk": 0.15, "paper": 0.30, "search": 0.20}

LUA = """
local urls = %(urls)s
local weights = %(weights)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  math.randomseed(%(seed)d + #threads)
  non200 = 0
end
function request()
  local r, kind = math.random(), nil
  for _, w in ipairs(weights) do
    if r < w[2] then kind = w[1] break end
  end
  local pool = urls[kind]
  return wrk.format("GET", pool[math.random(#pool)], {["X-Forwarded-Proto"] = "https"})
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%.3f, "non200": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "timeout": %%d, "p50": %%.1f, "p90": %%.1f, "p95": %%.1f, "p99": %%.1f, ' ..
    '"max": %%.1f, "mean": %%.1f}\\n',
    summary.requests, summary.duration / 1e6, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3))
end
"""


def lua_table(value: object) -> str:
    """A Lua literal for lists and dicts of strings and numbers (JSON strings are Lua strings)."""
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"[{json.dumps(k)}] = {lua_table(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_table(v) for v in value) + "}"
    return json.dumps(value)


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", flush=True)


def prepare(corpus: Path) -> dict[str, list[str]]:
    """Schema, papers, index and static files in place; returns the URLs of each kind."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from coolpapers.browse.listing import day_counts
    from coolpapers.papers.category_spec import parse_spec
    from coolpapers.papers.daily import DayFinder
    from coolpapers.papers.models import Paper
    from search.backends import get_backend

    call_command("migrate", verbosity=0)
    if not Paper.objects.exists():
        print(f"ingesting {corpus} ...", flush=True)
        call_command("ingest_arxiv", str(corpus), verbosity=0)
    papers = Paper.objects.count()
    health = get_backend().health()
    if not health.ok or health.documents != papers:
        print("building the index ...", flush=True)
        call_command("rebuild_index", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # Planner statistics after the bulk load, as autovacuum gathers them in production (it is
    # off on this machine's PostgreSQL; without them a 25-paper lookup becomes a 30 ms scan).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"{papers} papers in PostgreSQL, {get_backend().document_count()} indexed", flush=True)

    rng = random.Random(7)
    urls: dict[str, list[str]] = {kind: [] for kind in MIX}
    for text in SPECS:
        spec = parse_spec(text)
        finder = DayFinder(spec)
        day = finder.latest()
        for _ in range(DAYS_PER_SPEC):
            if day is None:
                break
            urls["list"].append(f"/arxiv/{spec}?date={day.isoformat()}")
            pages = day_counts(spec, day).pages
            urls["chunk"] += [
                f"/arxiv/{spec}/chunk?date={day.isoformat()}&page={page}"
                for page in range(2, pages + 1)
            ]
            day = finder.before(day)
    ids = list(Paper.objects.values_list("pk", flat=True))
    urls["paper"] = [f"/arxiv/{pk}" for pk in rng.sample(ids, min(len(ids), PAPER_PAGES))]
    words: list[str] = []
    for title in Paper.objects.filter(pk__in=rng.sample(ids, TITLE_QUERIES)).values_list(
        "title", flat=True
    ):
        found = re.findall(r"[A-Za-z]{5,}", title)
        if len(found) >= 2:
            words.append(" ".join(rng.sample(found, 2)))
    queries = [q.strip() for q in QUERIES.read_text().splitlines() if q.strip()]
    urls["search"] = [f"/arxiv/search?q={quote(q)}" for q in queries + words]
    return urls


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/coolpapers_bench"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "coolpapers-bench"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument(
        "--cold", action="store_true", help="skip the pass that fills the page cache first"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench.load needs wrk (apt-get install wrk)")
    if not args.corpus.exists():
        sys.exit(f"bench.load: {args.corpus}: no such file (pass --corpus)")

    ensure_database(args.database_url)
    port, redis_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coolpapers.settings",
        "DATABASE_URL": args.database_url,
        "COOLPAPERS_DATA_DIR": str(args.data_dir.resolve()),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
        "DJANGO_SECURE": "true",
        "DJANGO_DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SEARCH_AUTO_INDEX": "off",
        # Every client comes from 127.0.0.1: a per-address limit would throttle them all.
        "SEARCH_RATE": "1000000/min",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    logs = args.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    redis = start(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
        env,
        logs / "redis.log",
    )
    urls = prepare(args.corpus)
    web = start(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "coolpapers.wsgi"],
        env,
        logs / "gunicorn.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        single_client(base, urls)
        if not args.cold:
            warm_up(base, urls)
        result = run_wrk(base, urls, args.clients, args.duration)
    finally:
        for process in (web, redis):
            process.terminate()
            process.wait(timeout=30)
    report(result, urls, args.clients)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=5)
            return
        except httpx.TransportError:
            time.sleep(0.5)
    sys.exit("bench.load: gunicorn did not start; see logs/gunicorn.log")


def single_client(base: str, urls: dict[str, list[str]], count: int = 30) -> None:
    """Each kind alone, one request at a time: what a request costs without queueing (and a
    check that every kind answers 200 before the load starts)."""
    rng = random.Random(1)
    with httpx.Client(base_url=base, headers={"X-Forwarded-Proto": "https"}) as client:
        for pool in urls.values():  # every worker opens its searcher and connections
            for url in rng.sample(pool, 6):
                client.get(url)
        for kind, pool in urls.items():
            times = []
            for url in rng.sample(pool, min(len(pool), count)):
                start = time.perf_counter()
                status = client.get(url).status_code
                times.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    sys.exit(f"bench.load: {url} answered {status}")
            times.sort()
            print(
                f"one client, {kind:<6} p50 {times[len(times) // 2]:5.0f} ms  "
                f"p90 {times[int(len(times) * 0.9)]:5.0f} ms",
                flush=True,
            )


def warm_up(base: str, urls: dict[str, list[str]], clients: int = 4) -> None:
    """Every URL once, as the first readers of the day would: afterwards the pages come from
    the page cache (PAGE_CACHE_SECONDS) until new papers arrive."""
    from concurrent.futures import ThreadPoolExecutor

    every = [url for pool in urls.values() for url in pool]
    started = time.perf_counter()

    def fetch(part: list[str]) -> int:
        with httpx.Client(base_url=base, headers={"X-Forwarded-Proto": "https"}) as client:
            return sum(client.get(url, timeout=60).status_code != 200 for url in part)

    with ThreadPoolExecutor(clients) as pool:
        failed = sum(pool.map(fetch, [every[i::clients] for i in range(clients)]))
    seconds = time.perf_counter() - started
    print(
        f"warm-up: {len(every)} pages rendered once in {seconds:.0f} s by {clients} clients "
        f"({len(every) / seconds:.0f} pages/s), {failed} not 200",
        flush=True,
    )


def run_wrk(base: str, urls: dict[str, list[str]], clients: int, duration: int) -> dict:
    edges, total = [], 0.0
    for kind, share in MIX.items():
        total += share
        edges.append((kind, round(total, 6)))
    edges[-1] = (edges[-1][0], 1.0)
    script = LUA % {"urls": lua_table(urls), "weights": lua_table(edges), "seed": 12345}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = [
        "wrk",
        "--threads", "2",
        "--connections", str(clients),
        "--duration", f"{duration}s",
        "--timeout", "10s",
        "--script", handle.name,
        base,
    ]  # fmt: skip
    print(f"wrk: {clients} clients for {duration} s on {base} ...", flush=True)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(handle.name).unlink()
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def report(result: dict, urls: dict[str, list[str]], clients: int) -> None:
    errors = sum(result[k] for k in ("non200", "connect", "read", "write", "timeout"))
    throughput = result["requests"] / result["seconds"]
    mix = ", ".join(f"{kind} {share:.0%} ({len(urls[kind])} URLs)" for kind, share in MIX.items())
    print(f"mix: {mix}")
    print(
        f"{result['requests']} requests in {result['seconds']:.1f} s: {throughput:.0f} req/s; "
        f"errors {errors} (non-200 {result['non200']}, socket {errors - result['non200']})"
    )
    print(
        f"latency ms: p50 {result['p50']:.0f}  p90 {result['p90']:.0f}  p95 {result['p95']:.0f}  "
        f"p99 {result['p99']:.0f}  max {result['max']:.0f}  mean {result['mean']:.0f}"
    )
    print(
        f"| {clients} clients x {result['seconds']:.0f} s, mix of lists, chunks, papers and "
        f"searches | {throughput:.0f} req/s, p50 {result['p50']:.0f} ms, "
        f"p95 {result['p95']:.0f} ms, {errors} errors | `python -m bench.load` |"
    )
    if errors or result["p95"] >= P95_LIMIT_MS:
        sys.exit(1)


if __name__ == "__main__":
    main()
