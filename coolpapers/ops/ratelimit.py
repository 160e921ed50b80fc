"""Fixed-window request counters in the Django cache (Redis in production: shared by every
web worker), for limits DRF's throttles do not cover."""

from __future__ import annotations

import math
import time

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'30/min' → (30, 60), the DRF notation, so every limit reads the same."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def hit(scope: str, client: str, rate: str, now: float | None = None) -> int | None:
    """Count one request; None when allowed, else the seconds until the window ends.

    While the cache is down every request is the first of its window: limits fail open
    rather than turning the site off.
    """
    limit, window = parse_rate(rate)
    now = time.time() if now is None else now
    bucket = int(now // window)
    key = f"ops:rate:{scope}:{client}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add() and incr(), or the cache is down
        cache.set(key, 1, timeout=window + 1)
        hits = 1
    if hits <= limit:
        return None
    return max(1, math.ceil((bucket + 1) * window - now))
