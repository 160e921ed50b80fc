"""The provider against a scripted OpenAI-compatible server: 429, 500, timeouts, broken streams.

No model is needed: the server plays back what a provider under trouble sends.
"""

from __future__ import annotations

import json
import time

import pytest

from coolpapers.llm.base import Delta, Message, ProviderError, ProviderUnavailable, Usage
from coolpapers.llm.openai_compat import OpenAICompatibleProvider, estimate_tokens
from tests.llm.conftest import ScriptedServer, Step, chunk, sse

MESSAGES = [Message("system", "Be brief."), Message("user", "Say hello.")]
GOOD = Step(
    body=sse(
        chunk(""),
        chunk("Hello"),
        chunk(", world"),
        chunk(finish="stop"),
        chunk(usage={"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}),
    )
)


def error(status: int, message: str, **headers: str) -> Step:
    body = json.dumps({"error": {"message": message, "type": "server_error"}}).encode()
    return Step(status=status, body=body, headers=headers)


def provider(server: ScriptedServer, **options) -> tuple[OpenAICompatibleProvider, list[float]]:
    waits: list[float] = []
    options = {"timeout": 5.0, "max_retries": 3, "backoff": 0.01, **options}
    made = OpenAICompatibleProvider(
        api_url=server.url, api_key="test-key", model="scripted", sleep=waits.append, **options
    )
    return made, waits


def test_a_good_stream_gives_deltas_then_the_servers_usage(scripted):
    scripted.script(GOOD)
    chat, waits = provider(scripted)
    pieces = list(chat.stream(MESSAGES, max_tokens=16))
    assert pieces == [Delta("Hello"), Delta(", world"), Usage(12, 3)]
    assert not pieces[-1].truncated
    sent = scripted.requests[0]
    assert sent["model"] == "scripted" and sent["stream"] is True and sent["max_tokens"] == 16
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello."},
    ]
    assert waits == []


def test_usage_is_estimated_when_the_server_gives_none(scripted):
    scripted.script(Step(body=sse(chunk("Bonjour le monde"), chunk(finish="stop"))))
    chat, _ = provider(scripted)
    *deltas, usage = chat.stream(MESSAGES, max_tokens=16)
    assert deltas == [Delta("Bonjour le monde")]
    assert usage == Usage(
        prompt_tokens=estimate_tokens("Be brief.") + estimate_tokens("Say hello.") + 8,
        completion_tokens=estimate_tokens("Bonjour le monde"),
    )
    assert estimate_tokens("这篇论文") == 4  # one token per CJK character


def test_without_usage_each_chunk_counts_at_least_one_token(scripted):
    scripted.script(Step(body=sse(*(chunk(c) for c in "abcdef"), chunk(finish="length"))))
    chat, _ = provider(scripted)
    *deltas, usage = chat.stream(MESSAGES, max_tokens=6)
    assert len(deltas) == 6 and usage.completion_tokens == 6  # the text alone says 2
    assert usage.truncated  # finish_reason "length": cut at max_tokens


def test_429_with_retry_after_is_waited_out_then_answered(scripted):
    scripted.script(error(429, "Rate limit reached", **{"Retry-After": "2"}), GOOD)
    chat, waits = provider(scripted)
    assert [p for p in chat.stream(MESSAGES, max_tokens=16) if isinstance(p, Delta)] == [
        Delta("Hello"),
        Delta(", world"),
    ]
    assert waits == [2.0]  # the server's Retry-After, not our backoff
    assert len(scripted.requests) == 2


def test_retry_after_is_really_slept(scripted):
    scripted.script(error(429, "slow down", **{"Retry-After": "1"}), GOOD)
    chat = OpenAICompatibleProvider(
        api_url=scripted.url, api_key="k", model="scripted", timeout=5, max_retries=1, backoff=0
    )
    list(chat.stream(MESSAGES, max_tokens=16))
    assert scripted.times[1] - scripted.times[0] >= 0.95


def test_a_long_retry_after_is_handed_to_the_caller(scripted):
    scripted.script(error(429, "quota", **{"Retry-After": "3600"}))
    chat, waits = provider(scripted)
    with pytest.raises(ProviderUnavailable, match="asks to wait 3600 s") as raised:
        list(chat.stream(MESSAGES, max_tokens=16))
    assert raised.value.retry_after == 3600
    assert waits == [] and len(scripted.requests) == 1


def test_500_every_time_gives_up_after_the_retries_and_says_how_often(scripted):
    scripted.script(error(500, "model crashed"))
    chat, waits = provider(scripted, max_retries=3)
    with pytest.raises(ProviderUnavailable) as raised:
        list(chat.stream(MESSAGES, max_tokens=16))
    assert str(raised.value) == (
        "The model server failed 4 times in a row: HTTP 500 (model crashed)."
    )
    assert len(scripted.requests) == 4 and raised.value.retry_after is None
    # Exponential backoff (with up to 25 % jitter taken off): 0.01, 0.02, 0.04.
    assert len(waits) == 3
    for attempt, wait in enumerate(waits):
        assert 0.75 * 0.01 * 2**attempt <= wait <= 0.01 * 2**attempt


def test_429_every_time_hands_on_the_last_retry_after(scripted):
    scripted.script(error(429, "busy", **{"Retry-After": "5"}))
    chat, waits = provider(scripted, max_retries=1)
    with pytest.raises(
        ProviderUnavailable, match=r"failed 2 times in a row: HTTP 429 \(busy\)"
    ) as r:
        list(chat.stream(MESSAGES, max_tokens=16))
    assert r.value.retry_after == 5 and waits == [5]


def test_503_then_success_recovers(scripted):
    scripted.script(error(503, "loading"), error(502, "bad gateway"), GOOD)
    chat, waits = provider(scripted)
    assert list(chat.stream(MESSAGES, max_tokens=16))[-1] == Usage(12, 3)
    assert len(waits) == 2


def test_a_client_error_is_not_retried(scripted):
    scripted.script(error(400, "max_tokens is too large"))
    chat, waits = provider(scripted)
    with pytest.raises(ProviderError, match=r"refused the request: HTTP 400 \(max_tokens") as r:
        list(chat.stream(MESSAGES, max_tokens=16))
    assert not isinstance(r.value, ProviderUnavailable)
    assert len(scripted.requests) == 1 and waits == []


def test_a_wrong_key_says_what_to_check(scripted):
    scripted.script(error(401, "Incorrect API key provided"))
    chat, _ = provider(scripted)
    with pytest.raises(ProviderUnavailable, match=r"HTTP 401.*LLM_API_KEY"):
        list(chat.stream(MESSAGES, max_tokens=16))


def test_a_server_slower_than_the_timeout_is_retried_then_given_up(scripted):
    scripted.script(Step(body=GOOD.body, pause=1.5))
    chat, waits = provider(scripted, timeout=0.3, max_retries=2)
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as raised:
        list(chat.stream(MESSAGES, max_tokens=16))
    assert str(raised.value) == (
        "The model server failed 3 times in a row: no answer within 0.3 s (LLM_TIMEOUT)."
    )
    assert len(scripted.requests) == 3 and len(waits) == 2
    assert time.monotonic() - started < 3  # each attempt stopped at the timeout


def test_a_timeout_then_an_answer(scripted):
    scripted.script(Step(body=GOOD.body, pause=1.5), GOOD)
    chat, _ = provider(scripted, timeout=0.3)
    first, *_ = chat.stream(MESSAGES, max_tokens=16)
    assert first == Delta("Hello")


def test_a_stall_in_the_middle_of_the_answer_is_a_provider_error(scripted):
    body = GOOD.body
    cut = body.index(b"data:", body.index(b"Hello"))  # after the first words
    scripted.script(Step(body=body, pause=1.5, pause_after=cut))
    chat, waits = provider(scripted, timeout=0.3)
    stream = chat.stream(MESSAGES, max_tokens=16)
    assert next(stream) == Delta("Hello")
    with pytest.raises(ProviderError, match="stopped in the middle of the answer") as raised:
        next(stream)
    assert not isinstance(raised.value, ProviderUnavailable)
    assert len(scripted.requests) == 1 and waits == []  # never retried once words are out


def test_a_malformed_event_is_a_provider_error(scripted):
    scripted.script(Step(body=sse(chunk("Hello"), '{"choices": [{"delta": {"content": "wor')))
    chat, _ = provider(scripted)
    stream = chat.stream(MESSAGES, max_tokens=16)
    assert next(stream) == Delta("Hello")
    with pytest.raises(ProviderError, match="malformed stream in the middle of the answer"):
        next(stream)
    assert len(scripted.requests) == 1


def test_a_malformed_first_event_is_not_retried(scripted):
    scripted.script(Step(body=sse("not json at all")))
    chat, waits = provider(scripted)
    with pytest.raises(ProviderError, match="malformed stream before answering: an event is not"):
        list(chat.stream(MESSAGES, max_tokens=16))
    assert len(scripted.requests) == 1 and waits == []


def test_a_chunk_of_the_wrong_shape_is_a_provider_error(scripted):
    scripted.script(Step(body=sse({"choices": "nonsense"})))
    chat, _ = provider(scripted)
    with pytest.raises(ProviderError, match="malformed stream"):
        list(chat.stream(MESSAGES, max_tokens=16))


def test_a_stream_cut_before_its_end_is_a_provider_error(scripted):
    scripted.script(Step(body=sse(chunk("Hello"), chunk(" wor"), done=False)))
    chat, _ = provider(scripted)
    stream = chat.stream(MESSAGES, max_tokens=16)
    assert [next(stream), next(stream)] == [Delta("Hello"), Delta(" wor")]
    with pytest.raises(ProviderError, match="ended before the answer was finished"):
        next(stream)


def test_a_server_that_is_down_is_retried_then_unavailable():
    from tests.llm.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    waits: list[float] = []
    chat = OpenAICompatibleProvider(
        api_url=url, model="m", timeout=1, max_retries=2, backoff=0.01, sleep=waits.append
    )
    with pytest.raises(ProviderUnavailable, match=r"failed 3 times in a row: cannot connect to"):
        list(chat.stream(MESSAGES, max_tokens=16))
    assert len(waits) == 2


def test_the_reader_stopping_early_closes_the_connection(scripted):
    scripted.script(GOOD)
    chat, _ = provider(scripted)
    stream = chat.stream(MESSAGES, max_tokens=16)
    assert next(stream) == Delta("Hello")
    stream.close()  # no exception; the next request still works
    scripted.script(GOOD)
    assert list(chat.stream(MESSAGES, max_tokens=16))[-1] == Usage(12, 3)
