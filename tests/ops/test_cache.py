"""The production cache backend: Django's RedisCache, with an unreachable Redis answering as an
empty cache instead of raising, and back in use once Redis answers again."""

from __future__ import annotations

import pytest

from coolpapers.ops import cache as tolerant
from coolpapers.ops.cache import TolerantRedisCache
from coolpapers.web.ratelimit import hit
from tests.deploy.stack import RedisServer, free_port


def backend(url: str) -> TolerantRedisCache:
    options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    return TolerantRedisCache(url, {"KEY_PREFIX": "t", "OPTIONS": options})


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch):
    monkeypatch.setattr(tolerant, "_down_until", {})


def test_an_unreachable_redis_is_an_empty_cache(caplog):
    cache = backend(f"redis://127.0.0.1:{free_port()}/0")

    assert cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.set_many({"a": 1}) == ["a"]
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.get_or_set("k", 5) == 5
    # One warning for the outage, not one per call.
    assert [r.getMessage()[:17] for r in caplog.records] == ["cache unavailable"]


def test_rate_limits_fail_open_while_redis_is_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "coolpapers.ops.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    assert [hit("t", "client", "1/min") for _ in range(3)] == [None, None, None]


@pytest.mark.integration
def test_redis_is_used_again_once_it_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(tolerant, "RETRY_SECONDS", 0.0)
    server = RedisServer(tmp_path)
    cache = backend(server.url)
    assert cache.get("k") is None  # not started yet

    server.start()
    try:
        cache.set("k", "v")
        assert cache.get("k") == "v"
        assert cache.add("n", 0) is True
        assert cache.incr("n") == 1
    finally:
        server.stop()
    assert cache.get("k", "gone") == "gone"
