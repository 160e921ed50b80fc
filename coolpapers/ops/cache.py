"""The site's two caches, each shared by every process: every web worker sees the same rate
counters and the same page-cache stamp, so an invalidation reaches them all.

TolerantRedisCache (production): a Redis cache whose outages are cache misses, so the site
keeps answering while Redis is down. Django's RedisCache raises redis's ConnectionError on
every call when Redis is gone, which turns each page that touches the cache (search results,
rate limits) into a 500. Here a failed call logs once and answers like an empty cache; after
a failure Redis is left alone for RETRY_SECONDS, so an unreachable host does not cost a
connect timeout per call.

SharedFileCache (the embedded default, no Redis): Django's FileBasedCache in the data
directory, with add() and incr() made atomic across processes, which rate limits need.
"""

from __future__ import annotations

import logging
import os
import pickle
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from django.core.files import locks
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


class SharedFileCache(FileBasedCache):
    """FileBasedCache whose add() and incr() hold an exclusive lock on one file of the cache
    directory, so two processes never both add a key or lose each other's increments (stock
    incr() reads then writes, and resets the key's timeout to the default)."""

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self._createdir()
        with open(os.path.join(self._dir, "lock"), "ab") as lock:  # not *.djcache: kept
            locks.lock(lock, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock)

    def _write_content(self, file: Any, timeout: Any, value: Any) -> None:
        """As Django writes it, with zlib's fastest level: a page is stored on every cache
        miss, and level 6 costs several times as much for little less disk."""
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), 1))

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> bool:
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version=None) -> int:
        """Add `delta` keeping the key's expiry; ValueError when the key is missing."""
        with self._locked():
            try:
                with open(self._key_to_file(key, version), "rb") as f:
                    expiry = pickle.load(f)
                    value = pickle.loads(zlib.decompress(f.read()))
            except (FileNotFoundError, EOFError):
                expiry, value = 0.0, None
            now = time.time()
            if value is None or (expiry is not None and expiry <= now):
                raise ValueError(f"Key '{key}' not found")
            value += delta
            self.set(key, value, None if expiry is None else expiry - now, version)
            return value
