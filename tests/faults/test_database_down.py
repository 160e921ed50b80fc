"""PostgreSQL becomes unreachable under the running web service: pages and the API answer 503
with a short message (no traceback), static files and /healthz still answer, and the site
recovers when the database is back.

The database sits behind a TCP relay of the test's own, which is cut and restored; the
machine's PostgreSQL is never touched. Production runs PostgreSQL, so this runs on it only.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from django.db import connection

from coolpapers.papers.models import Paper
from tests.conftest import database_url
from tests.deploy.stack import RedisServer, Stack, free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class Relay:
    """Forwards 127.0.0.1:port to the database; cut() drops every connection and the port."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        assert self.listener is not None
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()


def via(relay: Relay, url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay.port}"))


def test_pages_answer_503_without_the_database_and_recover(tmp_path, papers, static_root):
    if connection.vendor != "postgresql":
        pytest.skip("production's database is PostgreSQL (run with DATABASE_URL=postgres://…)")
    url = database_url()
    relay = Relay((urlsplit(url).hostname, urlsplit(url).port))
    relay.start()
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    stack = Stack(tmp_path / "data", via(relay, url), redis.url, STATIC_ROOT=str(static_root))
    paper, other = Paper.objects.order_by("pk").values_list("pk", flat=True)[:2]
    cached = ["/", "/arxiv/cs.CV", f"/arxiv/{paper}"]  # seen before the outage
    pages = [*cached, f"/api/papers/{paper}", "/api/categories/"]
    stack.start("web")
    client = httpx.Client(base_url=stack.url, timeout=30)
    try:
        stack.wait_until_serving()
        for path in pages:
            assert client.get(path).status_code == 200, path

        relay.cut()
        # Pages rendered before the outage are still served from the page cache (Redis).
        for path in cached:
            response = client.get(path)
            assert (response.status_code, response.headers.get("X-Page-Cache")) == (200, "hit"), (
                f"{path}: {response.text[:300]}\n{stack.log('web')}"
            )
        for path in [f"/arxiv/{other}", *pages[len(cached) :]]:
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.headers["Retry-After"] == "30"
            assert "The database is unreachable" in response.text
            assert "Traceback" not in response.text and len(response.text) < 2000
        assert client.get(f"/api/papers/{paper}").json() == {
            "detail": "The database is unreachable; please try again in a minute."
        }
        health = client.get("/healthz")
        assert health.status_code == 503 and "database" in health.json()["down"]
        assert client.get("/static/coolpapers/css/site.css").status_code == 200

        relay.start()
        for path in [*pages, f"/arxiv/{other}"]:
            assert client.get(path).status_code == 200, path
    finally:
        client.close()
        stack.stop()
        redis.stop()
        relay.cut()
