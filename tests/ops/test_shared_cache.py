"""The embedded default's cache (no REDIS_URL) is shared by every process of `make run`, as
Redis is in production: gunicorn's workers count one rate limit between them, and a page-cache
invalidation in one process reaches the others."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache

from coolpapers.ops.cache import SharedFileCache
from coolpapers.web import page_cache
from tests.deploy.stack import ROOT

# What a process of the embedded default does, with its own settings (read at start).
COUNT_STARS = """
import django
django.setup()
from coolpapers.browse.stars import throttle
print(sum(throttle("198.51.100.9") is None for _ in range({requests})))
"""
INVALIDATE = """
import django
django.setup()
from coolpapers.web.page_cache import invalidate
invalidate()
"""


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "COOLPAPERS_DATA_DIR": str(data_dir), "STAR_RATE_LIMIT": "30"}
    env["DJANGO_SETTINGS_MODULE"] = "coolpapers.settings"
    for name in ("REDIS_URL", "DATABASE_URL"):
        env.pop(name, None)
    return env


def python(code: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


@pytest.fixture
def embedded_cache(settings, tmp_path: Path) -> Path:
    """This process on the cache the embedded default gives processes of tmp_path."""
    settings.CACHES = {
        "default": {
            "BACKEND": "coolpapers.ops.cache.SharedFileCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    return tmp_path


def test_worker_processes_share_one_star_limit(tmp_path):
    """Three processes clicking at once (as three gunicorn workers would) get 30 through in
    all, not 30 each (75 of 75 before: each counted in its own memory)."""
    processes = [python(COUNT_STARS.format(requests=25), embedded_env(tmp_path)) for _ in range(3)]
    accepted = [int(p.communicate(timeout=120)[0]) for p in processes]
    assert all(p.returncode == 0 for p in processes)
    # Never more than 30; two requests racing for the last place may both see the other
    # counted and both be refused, so a few less is possible.
    assert 27 <= sum(accepted) <= 30, accepted


def test_an_invalidation_reaches_every_process(embedded_cache):
    before = page_cache._stamp()
    cache.set("page:probe", "an old page", 300)
    process = python(INVALIDATE, embedded_env(embedded_cache))
    assert process.wait(timeout=120) == 0
    assert page_cache._stamp() > before
    assert cache.get("page:probe") == "an old page"  # one cache: this process sees its files


def test_a_lost_stamp_never_returns_to_an_old_one(embedded_cache):
    """Culling may delete the stamp: it restarts from the clock, above every earlier one."""
    page_cache.invalidate()
    old = page_cache._stamp()
    cache.delete(page_cache.STAMP_KEY)
    assert page_cache._stamp() > old


def test_incr_is_atomic_and_keeps_the_expiry(tmp_path, monkeypatch):
    backend = SharedFileCache(str(tmp_path), {})
    assert backend.add("n", 0, timeout=60) is True
    assert backend.add("n", 5, timeout=60) is False
    assert [backend.incr("n") for _ in range(3)] == [1, 2, 3]
    assert backend.decr("n") == 2
    with pytest.raises(ValueError):
        backend.incr("missing")
    now = time.time()
    monkeypatch.setattr("time.time", lambda: now + 61)
    with pytest.raises(ValueError):  # incr did not extend the minute it was added for
        backend.incr("n")
    assert backend.get("n") is None
