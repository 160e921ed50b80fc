"""The docker-compose stack without Docker: each app service's own command from
docker-compose.yml, run as a local process against the test database and a private Redis.

The compose file's paths under the data volume become a temporary directory and its service
host names local addresses; nothing else changes, so the processes the tests start are the
ones the containers run.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml

from tests.conftest import stop_process_group

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "compute-worker", "index-worker", "beat")
WORKERS = ("worker", "compute-worker", "index-worker")
DATA_MOUNT = "/data"
REDIS_SERVER = shutil.which("redis-server")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def command(service: str) -> list[str]:
    """The service's command as an argument list (a string command is split like a shell)."""
    raw = compose()["services"][service]["command"]
    return shlex.split(raw) if isinstance(raw, str) else list(raw)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float, what: str | Callable[[], str]) -> Any:
    """Poll until predicate() is truthy; returns its value.

    `what` may be a callable, so logs in the message are read when the wait fails, not when
    it starts.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    described = what() if callable(what) else what
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {described}")


def restart_policy(service: str) -> str:
    """The service's compose `restart:` policy ("no" when it has none)."""
    return str(compose()["services"][service].get("restart", "no"))


class RedisServer:
    """A redis-server of the test's own, never the machine's (other tests use that one).

    Append-only like the compose file's Redis, in a directory of the test, so stopping and
    starting it again keeps what was queued, as a restarted container would.
    """

    def __init__(self, directory: Path):
        if REDIS_SERVER is None:
            message = "redis-server is not installed (apt-get install redis-server)"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"{message}; CI=true requires the fault tests to run")
            pytest.skip(message)
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=(self.directory / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_for(lambda: self._ping(client), 20, f"redis-server on port {self.port}")

    @staticmethod
    def _ping(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
            self.process = None


class Stack:
    """Starts and stops the compose file's app services as local processes.

    Like compose with `restart: unless-stopped`, a service that exits on its own is started
    again (a worker that loses Redis while acknowledging a task exits; compose brings it
    back); only stop() ends a service for good. Restarts are counted and written to the
    service's log.
    """

    def __init__(self, data_dir: Path, database_url: str, redis_url: str, **env: str):
        self.data_dir = data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs = data_dir / "logs"
        self.logs.mkdir(exist_ok=True)
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.restarts: dict[str, int] = {}
        self.restarting = {svc for svc in APP_SERVICES if restart_policy(svc) != "no"}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._supervisor: threading.Thread | None = None
        local = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "COOLPAPERS_DATA_DIR": str(data_dir),
        }
        declared = compose()["x-app"]["environment"]
        assert set(declared) == set(local), f"map every compose variable for tests: {declared}"
        self.env = {
            **os.environ,
            # `python`, `gunicorn` and `celery` in the commands are the virtualenv's.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **local,
            # One web worker on a shared 2-core machine, on a free port.
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "1",
            # BM25 alone, as the default image runs (built without extras): the workers
            # embed nothing that the test ingests.
            "SEMANTIC": "off",
            **env,
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self, service: str) -> list[str]:
        return [
            str(self.data_dir) + arg.removeprefix(DATA_MOUNT)
            if arg == DATA_MOUNT or arg.startswith(DATA_MOUNT + "/")
            else arg
            for arg in command(service)
        ]

    def start(self, *services: str) -> None:
        with self._lock:
            for service in services:
                self._spawn(service)
        if self._supervisor is None:
            self._supervisor = threading.Thread(target=self._supervise, daemon=True)
            self._supervisor.start()

    def _spawn(self, service: str) -> None:
        log = (self.logs / f"{service}.log").open("ab")
        self.processes[service] = subprocess.Popen(
            self.argv(service),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _supervise(self) -> None:
        while not self._closed.wait(0.5):
            with self._lock:
                for service, process in list(self.processes.items()):
                    code = process.poll()
                    if code is None or service not in self.restarting:
                        continue
                    self.restarts[service] = self.restarts.get(service, 0) + 1
                    with (self.logs / f"{service}.log").open("a") as log:
                        log.write(f"[stack] {service} exited with code {code}; restarted\n")
                    self._spawn(service)

    def kill(self, service: str) -> None:
        """SIGKILL a service, as a crash would, and leave it down (no restart)."""
        with self._lock:
            process = self.processes.pop(service)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, *services: str) -> None:
        with self._lock:
            stopping = [self.processes.pop(s, None) for s in services or tuple(self.processes)]
            if not services:
                self._closed.set()
        for process in stopping:
            if process is not None:
                stop_process_group(process)

    def log(self, service: str) -> str:
        return (self.logs / f"{service}.log").read_text(errors="replace")[-4000:]

    def wait_until_serving(self, timeout: float = 60) -> None:
        def answers() -> bool:
            web = self.processes["web"]
            assert web.poll() is None, f"web exited:\n{self.log('web')}"
            try:
                httpx.get(f"{self.url}/healthz", timeout=5)
            except httpx.TransportError:
                return False
            return True

        wait_for(answers, timeout, "gunicorn to answer")


def collect_static(static_root: Path) -> None:
    """What the image's build does: the web service serves hashed, compressed static files."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "STATIC_ROOT": str(static_root)},
        check=True,
        timeout=300,
    )
