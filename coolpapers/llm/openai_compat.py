"""Any OpenAI-compatible chat-completions endpoint (Moonshot/Kimi, OpenAI, DeepSeek, vLLM, Ollama,
llama.cpp's server), streamed through the `openai` client library.

Why our own retry loop (the client's max_retries=0): a streamed answer can only be retried before
its first token reaches the reader, and the FAQ task needs a readable reason when it gives up,
so the policy (what is retried, how long to wait, what the message says) lives here:
timeouts, connection errors, 408, 409, 429 and 5xx are retried with exponential backoff that
honours Retry-After, LLM_MAX_RETRIES times; anything that breaks after the first token raises
ProviderError.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

import openai
from django.conf import settings

from coolpapers.llm import local
from coolpapers.llm.base import (
    NOT_CONFIGURED,
    Delta,
    Message,
    ProviderError,
    ProviderUnavailable,
    Usage,
)

log = logging.getLogger(__name__)

RETRIED_STATUS = {408, 409, 429}
# The longest Retry-After we wait for inside one request; past it the caller is told to come
# back later (ProviderUnavailable.retry_after) rather than holding a worker for minutes.
MAX_RETRY_AFTER = 60.0
MAX_BACKOFF = 30.0


def estimate_tokens(text: str) -> int:
    """A rough token count for servers that report no usage: about four characters of Latin
    script per token, and one token per CJK character."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
    return wide + math.ceil((len(text) - wide) / 4)


def retry_after_seconds(headers: object) -> float | None:
    """Seconds the server asked us to wait (Retry-After-Ms, Retry-After seconds or date)."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = get(header)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is None:
                continue
            seconds = email.utils.mktime_tz(parsed) - time.time()
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    return None


class _Retry(Exception):
    """An attempt failed in a way worth trying again."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class OpenAICompatibleProvider:
    """Streams chat completions from LLM_API_URL (or the local model's server)."""

    def __init__(
        self,
        *,
        api_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        backoff: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        api_url = api_url if api_url is not None else getattr(settings, "LLM_API_URL", "")
        model = model if model is not None else getattr(settings, "LLM_MODEL", "")
        if not api_url:
            if not local.available():
                raise ProviderUnavailable(NOT_CONFIGURED)
            api_url, model = local.url(), model or local.MODEL_NAME
        if not model:
            raise ProviderUnavailable("The FAQ is not configured: LLM_MODEL names no model.")
        self.api_url = api_url
        self.model = model
        self.timeout = float(timeout if timeout is not None else settings.LLM_TIMEOUT)
        self.max_retries = int(max_retries if max_retries is not None else settings.LLM_MAX_RETRIES)
        self.backoff = float(backoff if backoff is not None else settings.LLM_RETRY_BACKOFF)
        self._sleep = sleep
        self.client = openai.OpenAI(
            base_url=api_url,
            # Local servers take any key; the client insists on one.
            api_key=(api_key if api_key is not None else settings.LLM_API_KEY) or "none",
            timeout=self.timeout,
            max_retries=0,
        )

    def __repr__(self) -> str:
        return f"<OpenAICompatibleProvider {self.model} at {self.api_url}>"

    def close(self) -> None:
        self.client.close()

    # --- the stream ----------------------------------------------------------------------------

    def stream(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[Delta | Usage]:
        """Deltas as the model writes them, then one Usage; see ChatProvider.stream."""
        payload = [{"role": m.role, "content": m.content} for m in messages]
        attempts = self.max_retries + 1
        failures: list[str] = []
        asked: float | None = None  # the last Retry-After, handed on when we give up
        for attempt in range(attempts):
            chunks = None
            try:
                chunks = self._open(payload, max_tokens)
                first = self._first_piece(chunks)
            except _Retry as retry:
                _close(chunks)
                failures.append(retry.reason)
                asked = retry.wait
                if attempt + 1 == attempts:
                    break
                wait = self._wait(attempt, retry.wait)
                if wait is None:
                    raise ProviderUnavailable(
                        f"The model server is busy and asks to wait {retry.wait:.0f} s "
                        f"({retry.reason}).",
                        retry_after=retry.wait,
                    ) from None
                log.info("LLM attempt %d: %s; retry in %.2fs", attempt + 1, retry.reason, wait)
                self._sleep(wait)
                continue
            except BaseException:
                _close(chunks)
                raise
            try:
                yield from self._rest(first, chunks, payload)
            finally:
                # Also when the reader stops early: the connection is released.
                _close(chunks)
            return
        raise ProviderUnavailable(self._gave_up(failures), retry_after=asked)

    def _wait(self, attempt: int, asked: float | None) -> float | None:
        """Seconds before the next attempt: the server's Retry-After if it gave one (None when
        that is longer than we hold a worker for), else exponential backoff with jitter."""
        if asked is not None:
            return None if asked > MAX_RETRY_AFTER else asked
        return min(self.backoff * 2**attempt, MAX_BACKOFF) * (1 - 0.25 * random.random())

    def _gave_up(self, failures: list[str]) -> str:
        n = len(failures)
        if n > 1 and len(set(failures)) == 1:
            return f"The model server failed {n} times in a row: {failures[0]}."
        if n == 1:
            return f"The model server failed: {failures[0]}."
        return f"The model server failed {n} times in a row: " + "; ".join(failures) + "."

    def _open(self, payload: list[dict], max_tokens: int) -> Iterator:
        """Send the request; a retryable failure raises _Retry, any other ProviderError."""
        try:
            return self.client.chat.completions.create(
                model=self.model,
                messages=payload,
                max_tokens=max_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
        except Exception as error:
            raise self._translate(error, started=False) from error

    def _first_piece(self, chunks: Iterator) -> tuple[str, object] | None:
        """Read until the first text (or the end): until then a failure may still be retried."""
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                return None
            except Exception as error:
                raise self._translate(error, started=False) from error
            text, finished, usage = self._parse(chunk)
            if text or finished or usage:
                return (text, chunk)

    def _rest(
        self, first: tuple[str, object] | None, chunks: Iterator, payload: list[dict]
    ) -> Iterator[Delta | Usage]:
        written: list[str] = []
        finished = ""
        usage: Usage | None = None

        def take(chunk: object) -> Iterator[Delta]:
            nonlocal finished, usage
            text, done, reported = self._parse(chunk)
            finished = finished or done
            usage = reported or usage
            if text:
                written.append(text)
                yield Delta(text)

        if first is not None:
            yield from take(first[1])
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    break
                except Exception as error:
                    raise self._translate(error, started=True) from error
                yield from take(chunk)
        if not finished:
            raise ProviderError(
                "The model server's stream ended before the answer was finished "
                f"(after {len(''.join(written))} characters, with no finish reason)."
            )
        if usage is None:
            # Servers stream about one token per chunk (llama.cpp's does exactly), so the count
            # of chunks is a floor; the estimate from the text covers servers that batch them.
            usage = Usage(
                prompt_tokens=sum(estimate_tokens(m["content"]) + 4 for m in payload),
                completion_tokens=max(len(written), estimate_tokens("".join(written))),
            )
        yield replace(usage, truncated=finished == "length")

    def _parse(self, chunk: object) -> tuple[str, str, Usage | None]:
        """(text, finish reason or "", usage) of one streamed chunk; a chunk of the wrong shape
        is a malformed stream."""
        try:
            text = ""
            finished = ""
            for choice in chunk.choices or ():
                delta = choice.delta
                text += (delta.content or "") if delta is not None else ""
                finished = finished or str(choice.finish_reason or "")
            usage = None
            reported = getattr(chunk, "usage", None)
            if reported is not None and reported.completion_tokens is not None:
                usage = Usage(int(reported.prompt_tokens or 0), int(reported.completion_tokens))
            if not isinstance(text, str):
                raise TypeError(f"content is {type(text).__name__}, not text")
        except (AttributeError, TypeError, ValueError) as error:
            raise ProviderError(
                f"The model server sent a malformed stream: a chunk of the wrong shape ({error})."
            ) from error
        return text, finished, usage

    def _translate(self, error: Exception, *, started: bool) -> Exception:
        """Our exception for a client error: _Retry before the first token when worth it."""
        where = "in the middle of the answer" if started else "before answering"
        if isinstance(error, json.JSONDecodeError):
            return ProviderError(
                f"The model server sent a malformed stream {where}: an event is not valid "
                f"JSON ({error.msg} at character {error.pos})."
            )
        if isinstance(error, openai.APITimeoutError):
            reason = f"no answer within {self.timeout:g} s (LLM_TIMEOUT)"
            if started:
                return ProviderError(f"The model server stopped {where}: {reason}.")
            return _Retry(reason)
        if isinstance(error, openai.APIConnectionError):
            cause = error.__cause__ or error
            reason = f"cannot connect to {self.api_url} ({type(cause).__name__}: {cause})"
            if started:
                return ProviderError(f"The connection to the model server broke {where}.")
            return _Retry(reason)
        if isinstance(error, openai.APIStatusError):
            status = error.status_code
            detail = _detail(error)
            reason = f"HTTP {status}" + (f" ({detail})" if detail else "")
            if status in RETRIED_STATUS or status >= 500:
                if started:
                    return ProviderError(f"The model server failed {where}: {reason}.")
                return _Retry(reason, retry_after_seconds(error.response.headers))
            if status in (401, 403, 404):
                return ProviderUnavailable(
                    f"The model server refused the request: {reason}; check LLM_API_URL, "
                    "LLM_API_KEY and LLM_MODEL."
                )
            return ProviderError(f"The model server refused the request: {reason}.")
        if isinstance(error, openai.APIError):
            return ProviderError(f"The model server reported an error {where}: {error.message}")
        if isinstance(error, ProviderError):
            return error
        return ProviderError(
            f"The model server sent a malformed stream {where} ({type(error).__name__}: {error})."
        )


def _close(chunks: object) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def _detail(error: openai.APIStatusError) -> str:
    """A short reason from the error's body (the server's own message), if it has one."""
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(message, str):
            return " ".join(message.split())[:200]
    text = " ".join(str(error.message or "").split())
    return text[:200]
