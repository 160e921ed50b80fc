"""Real Celery workers for integration tests: started as `make run` and the compose file start
them (`celery -A coolpapers worker`), in their own process group so a test can kill them.

Workers queue no follow-up work (index updates, related papers) unless the test's `env`
asks for it, so no test leaves messages on a shared broker for another test's worker; they
embed no papers (SEMANTIC=off) unless it says SEMANTIC=auto.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kombu import Connection

from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[1]


def start_worker(
    log: Path,
    *,
    queues: str = "celery,related,semantic",
    concurrency: int = 1,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """`celery worker` on these queues (default: every one but the index's), logging to
    `log`, against the test database."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "coolpapers",
            "worker",
            "-Q",
            queues,
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{queues.replace(',', '-')}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "SEARCH_AUTO_INDEX": "off",
            "RELATED_AUTO": "off",
            "SEMANTIC": "off",
            **(env or {}),
        },
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def filesystem_broker(data_dir: Path) -> dict[str, str]:
    """The embedded on-disk broker of a data directory (as settings.py lays it out)."""
    broker = data_dir / "broker"
    for sub in ("queue", "processed", "control"):
        (broker / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "control_folder": str(broker / "control"),
    }


@contextmanager
def producer(url: str = "filesystem://", options: dict[str, str] | None = None) -> Iterator:
    """A producer on the worker's broker, to send tasks with `apply_async(producer=...)`."""
    with Connection(url, transport_options=options or {}) as conn, conn.Producer() as sender:
        yield sender


def wait_for(predicate: Callable[[], bool], what: str, log: Path, timeout: float = 120) -> None:
    """Poll until `predicate()`; on timeout fail with the end of the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")
