"""HTTP access to arXiv: throttled to arXiv's rate, honours 503 Retry-After, backs off on errors."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings

log = logging.getLogger(__name__)


class TransientError(Exception):
    """arXiv could not be reached or kept failing; the job may be retried later."""


class PermanentHTTPError(Exception):
    """arXiv answered with a client error that retrying will not fix."""

    def __init__(self, status: int, url: str, body: bytes):
        self.status, self.url, self.body = status, url, body
        super().__init__(f"HTTP {status} from {url}")


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class ArxivClient:
    """One client per worker process; every request waits its turn behind `interval`."""

    def __init__(
        self,
        http: httpx.Client | None = None,
        *,
        interval: float | None = None,
        max_retries: int | None = None,
        backoff: float = 2.0,
        max_wait: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str], None] | None = None,
    ):
        contact = settings.ARXIV_CONTACT_EMAIL
        agent = "coolpapers/0.1 (+https://github.com/coolpapers)"
        if contact:
            agent += f" mailto:{contact}"
        self.http = http or httpx.Client(
            timeout=httpx.Timeout(60.0, connect=15.0),
            headers={"User-Agent": agent},
            follow_redirects=True,
        )
        self.interval = settings.ARXIV_REQUEST_INTERVAL if interval is None else interval
        self.max_retries = settings.ARXIV_MAX_RETRIES if max_retries is None else max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.on_retry = on_retry
        self._last_request = 0.0
        self._lock = threading.Lock()

    def _throttle(self) -> None:
        with self._lock:
            wait = self._last_request + self.interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last_request = time.monotonic()

    def get(self, url: str, params: Mapping[str, str] | None = None) -> bytes:
        """GET with retries. 503 waits Retry-After; 5xx and network errors back off."""
        delay = self.backoff
        for attempt in range(self.max_retries + 1):
            self._throttle()
            try:
                response = self.http.get(url, params=params)
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}: {exc}"
                wait = delay
            else:
                if response.status_code < 400:
                    return response.content
                if response.status_code == 503:
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                    wait = delay if retry_after is None else retry_after
                    reason = f"HTTP 503 (Retry-After {response.headers.get('Retry-After')})"
                elif response.status_code >= 500 or response.status_code == 429:
                    reason = f"HTTP {response.status_code}"
                    wait = delay
                else:
                    raise PermanentHTTPError(
                        response.status_code, str(response.url), response.content
                    )
            if attempt == self.max_retries:
                raise TransientError(f"{url}: gave up after {attempt + 1} attempts, last {reason}")
            wait = min(wait, self.max_wait)
            message = f"{url}: {reason}; retrying in {wait:.1f}s"
            log.warning(message)
            if self.on_retry:
                self.on_retry(message)
            self.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.http.close()
