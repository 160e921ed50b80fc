"""A Redis cache whose outages are cache misses, so the site keeps answering while Redis is down.

Django's RedisCache raises redis's ConnectionError on every call when Redis is gone, which
turns each page that touches the cache (search results, rate limits) into a 500. Here a
failed call logs once and answers like an empty cache; after a failure Redis is left alone
for RETRY_SECONDS, so an unreachable host does not cost a connect timeout per call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
T = TypeVar("T")

# Shared by every thread's cache instance in the process (Django makes one per thread).
_down_until: dict[str, float] = {}


class TolerantRedisCache(RedisCache):
    def _call(self, fallback: T, operation: Callable[..., T], *args: Any) -> T:
        servers = ",".join(self._servers)
        if _down_until.get(servers, 0.0) > time.monotonic():
            return fallback
        try:
            result = operation(*args)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            if servers not in _down_until:
                log.warning("cache unavailable, serving without it: %s", exc)
            _down_until[servers] = time.monotonic() + RETRY_SECONDS
            return fallback
        if _down_until.pop(servers, None) is not None:
            log.warning("cache available again")
        return result

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> bool:
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key: str, default: Any = None, version=None) -> Any:
        return self._call(default, super().get, key, default, version)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> None:
        self._call(None, super().set, key, value, timeout, version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version=None) -> bool:
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key: str, version=None) -> bool:
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None) -> dict[str, Any]:
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key: str, version=None) -> bool:
        return self._call(False, super().has_key, key, version)

    def incr(self, key: str, delta: int = 1, version=None) -> int:
        """Like a missing key while Redis is down: ValueError, as the cache API specifies."""
        missing = object()
        value = self._call(missing, super().incr, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return value  # type: ignore[return-value]

    def set_many(self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version=None) -> list:
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None) -> None:
        self._call(None, super().delete_many, keys, version)

    def clear(self) -> bool:
        return self._call(False, super().clear)
