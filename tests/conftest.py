"""Shared test fixtures: paths to the bundled real arXiv fixtures and a local HTTP server."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection

FIXTURES = Path(__file__).parent / "fixtures"
ARXIV_FIXTURES = FIXTURES / "arxiv"
SAMPLE = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"
ABS_DIR = ARXIV_FIXTURES / "abs" / "ftp"


@pytest.fixture
def arxiv_fixtures() -> Path:
    return ARXIV_FIXTURES


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    path: str
    params: dict[str, str]


class FixtureServer:
    """A real HTTP server on 127.0.0.1 that answers from a queue of replies per (path, params).

    `add(path, reply, **params)` queues a reply for a request whose query contains `params`;
    a queue's last reply repeats. Every request is recorded in `requests`.
    """

    def __init__(self) -> None:
        self.routes: list[tuple[str, dict[str, str], list[Reply]]] = []
        self.requests: list[Recorded] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                server.requests.append(Recorded(url.path, params))
                reply = server.match(url.path, params)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, *replies: Reply, **params: str) -> None:
        self.routes.append((path, params, list(replies)))

    def match(self, path: str, params: dict[str, str]) -> Reply:
        # The most specific route (most matching params) wins.
        candidates = [
            route
            for route in self.routes
            if route[0] == path and all(params.get(k) == v for k, v in route[1].items())
        ]
        if not candidates:
            return Reply(404, b"no fixture for this request")
        # Among equally specific routes, the one added last wins.
        _, _, replies = max(reversed(candidates), key=lambda route: len(route[1]))
        return replies.pop(0) if len(replies) > 1 else replies[0]


@pytest.fixture
def fixture_server() -> Iterator[FixtureServer]:
    server = FixtureServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


_ENVIRONMENT_KEY = pytest.StashKey[dict[str, str | None]]()
_READ = re.compile(r'(?:environ\.get|environ\[|getenv|env_bool|env_list)\(?\s*"([A-Z0-9_]+)"')
ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def _site_variables() -> frozenset[str]:
    """The environment variables the site's own code reads (settings, engines, gunicorn)."""
    sources = [*ROOT.glob("coolpapers/**/*.py"), *ROOT.glob("search/**/*.py")]
    sources.append(ROOT / "gunicorn.conf.py")
    return frozenset(name for path in sources for name in _READ.findall(path.read_text()))


def _environment() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in _site_variables()}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    item.stash[_ENVIRONMENT_KEY] = _environment()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """A test leaves the site's environment variables as it found them, once its fixtures are
    torn down: processes started by later tests (the stack's gunicorn and workers) inherit
    them, and a leaked PAGE_CACHE_SECONDS=0 once turned the page cache off for a test far
    away. They are put back and the leak is an error of the test that made it. (Libraries'
    own variables, such as torch's or Hugging Face's, are theirs to set.)"""
    result = yield
    before, after = item.stash.get(_ENVIRONMENT_KEY, None), _environment()
    if before is not None and after != before:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        leaked = sorted(name for name in before if before[name] != after[name])
        raise AssertionError(f"the test left os.environ changed: {', '.join(leaked)}")
    return result


@pytest.fixture(autouse=True)
def _plain_static_storage(settings) -> None:
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def database_url() -> str:
    """The test database as a DATABASE_URL, for subprocesses (workers, manage.py)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def stop_process_group(process, timeout: float = 20) -> None:
    """SIGTERM a subprocess started with start_new_session, then SIGKILL if it lingers."""
    import os
    import signal
    import subprocess

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


@pytest.fixture(autouse=True)
def _no_background_work(settings) -> None:
    """Ingesting in a test queues nothing on the broker unless the test asks for it."""
    settings.SEARCH_AUTO_INDEX = "off"
    settings.RELATED_AUTO = "off"
    settings.PAGE_CACHE_SECONDS = 0  # tests/ops/test_page_cache.py turns it on


@pytest.fixture(autouse=True)
def _semantic_only_when_marked(request, settings) -> None:
    """Semantic mode (the MiniLM model embedding papers) only in tests marked `semantic`:
    everywhere else ingesting and computing related lists stay BM25 alone, and fast."""
    if request.node.get_closest_marker("semantic") is None:
        settings.SEMANTIC = "off"


@pytest.fixture
def papers(db) -> None:
    """The daily-arXiv sample (announcement days, `$…$` math) and .abs records (versions,
    old-style ids), loaded through the ingestion command."""
    from django.core.management import call_command

    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    call_command("ingest_arxiv", str(ABS_DIR), verbosity=0)


@pytest.fixture
def index(papers, settings, tmp_path: Path) -> Iterator[None]:
    """A Whoosh index of those papers in a temporary directory, for this test only."""
    from django.core.cache import cache
    from django.core.management import call_command

    from search.backends import get_backend

    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_BACKEND_OPTIONS = {"path": str(tmp_path / "index")}
    get_backend.cache_clear()
    cache.clear()
    call_command("rebuild_index", verbosity=0)
    # A running site's state: its spelling index built (a request builds a missing one in the
    # background and goes on without corrections meanwhile; tests/search/contract.py).
    get_backend().suggest("warmup")
    yield
    get_backend.cache_clear()
    cache.clear()


@pytest.fixture
def related(index, settings, tmp_path: Path) -> None:
    """Keywords and related papers of the indexed fixture papers, computed here."""
    from coolpapers.papers.models import Paper
    from coolpapers.related import services

    settings.RELATED_MODEL_DIR = str(tmp_path / "related")
    services.compute_papers(list(Paper.objects.order_by("pk").values_list("pk", flat=True)))


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Chromium for a module's browser tests (see tests/browser.py)."""
    from tests.browser import launched

    with launched() as browser:
        yield browser


@pytest.fixture
def page(chromium, live_server):
    """A page with clipboard access whose responses carry a strict CSP; fails the test on
    any JavaScript error or CSP violation."""
    from tests.browser import STRICT_CSP

    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )

    def with_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": STRICT_CSP}
        )

    context.route(f"{live_server.url}/**", with_csp)
    # [PDF] opens arxiv.org in a new tab; answer it locally.
    context.route(
        "https://arxiv.org/**",
        lambda route: route.fulfill(status=200, content_type="application/pdf", body=b"%PDF-1.4"),
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    yield page
    # Requests still in flight (the favicon) must not fail the test when the context closes.
    context.unroute_all(behavior="ignoreErrors")
    context.close()
    assert problems == []
