"""Sliding-window request counters in the Django cache, shared by every web worker (Redis in
production, the file cache of coolpapers.ops.cache in the embedded default), for limits DRF's
throttles do not cover: the HTML search, stars and the issuing of browser ids.

A window is SLICES slices; a request counts in the current slice and is allowed while the
slices of the last window hold at most `limit` requests. Unlike a fixed window, no burst at a
window's boundary gets twice the limit through (at most one slice's worth of rounding: the
window is a whole number of slices). Refused requests count too, so a client that keeps
hammering stays limited until it pauses.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SLICES = 10


def parse_rate(rate: str) -> tuple[int, int]:
    """'30/min' → (30, 60), the DRF notation, so every limit reads the same."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def _count(key: str, timeout: int) -> None:
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr(), or the cache is down
        cache.set(key, 1, timeout=timeout)


def hit_window(
    scope: str, client: str, limit: int, window: float, now: float | None = None
) -> int | None:
    """Count one request of `client`; None when allowed, else the seconds until it would be.

    While the cache is down nothing is counted: limits fail open rather than turning the
    site off.
    """
    now = time.time() if now is None else now
    width = window / SLICES
    current = int(now // width)
    slices = range(current - SLICES + 1, current + 1)
    keys = {n: f"ops:rate:{scope}:{client}:{width:g}:{n}" for n in slices}
    _count(keys[current], timeout=math.ceil(window + width) + 1)
    found = cache.get_many(list(keys.values()))
    counts = [int(found.get(keys[n], 0)) for n in slices]
    if sum(counts) <= limit:
        return None
    # Wait until enough of the oldest slices have left the window to admit one more.
    remaining = sum(counts)
    for n, count in zip(slices, counts, strict=True):
        remaining -= count
        if remaining < limit:
            return max(1, math.ceil((n + SLICES) * width - now))
    return max(1, math.ceil(window))


def hit(scope: str, client: str, rate: str, now: float | None = None) -> int | None:
    """hit_window with a DRF-style rate such as '60/min'."""
    limit, window = parse_rate(rate)
    return hit_window(scope, client, limit, window, now)
