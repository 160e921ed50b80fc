"""The real local model: llama.cpp's server with SmolLM2-135M-Instruct answers through our
provider, streamed, with the server's token counts (skips without the extra, fails under CI)."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.test import override_settings

from coolpapers.llm import base, local
from coolpapers.llm.base import Delta, Message, Usage
from coolpapers.llm.openai_compat import OpenAICompatibleProvider
from coolpapers.llm.prompt import build_messages, sources_for
from coolpapers.papers.models import Paper
from tests.conftest import SAMPLE

SHORT = [
    Message("system", "You are a helpful assistant."),
    Message("user", "What is the capital of France? Answer in one sentence."),
]


def test_a_short_answer_streams_deltas_then_usage(local_model):
    provider = OpenAICompatibleProvider(api_url=local_model.url, model=local_model.model)
    pieces = list(provider.stream(SHORT, max_tokens=32))
    *deltas, usage = pieces
    assert len(deltas) >= 2 and all(isinstance(d, Delta) and d.text for d in deltas)
    assert isinstance(usage, Usage)
    assert len(deltas) <= 32  # llama.cpp streams one token per chunk
    assert usage.completion_tokens >= len(deltas)  # no usage in its stream: counted, estimated
    assert usage.prompt_tokens >= 15  # the chat template's tokens and ours
    assert "".join(d.text for d in deltas).strip()


def test_the_settings_reach_the_local_server(local_model):
    port = int(local_model.url.rsplit(":", 1)[1].split("/")[0])
    with override_settings(LLM_API_URL="", LLM_MODEL="", LLM_LOCAL_PORT=port):
        assert base.configured()
        provider = base.get_provider()
        assert provider.model == local.MODEL_NAME
        *deltas, _ = provider.stream(SHORT, max_tokens=8)
        assert 0 < len(deltas) <= 8


@pytest.mark.django_db
def test_the_faq_prompt_of_a_real_paper_fits_and_is_answered(local_model):
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    paper = Paper.objects.exclude(comments="").order_by("pk").first()
    provider = OpenAICompatibleProvider(api_url=local_model.url, model=local_model.model)
    for language in ("en", "zh-hans"):
        *deltas, usage = provider.stream(
            build_messages(sources_for(paper), language), max_tokens=24
        )
        assert 0 < len(deltas) <= 24
        assert 200 < usage.prompt_tokens < local.CONTEXT_TOKENS - 24  # the paper and questions fit


def test_two_answers_at_once_both_finish(local_model):
    """Two FAQ workers asking at the same moment: the server must not cut the first one off."""
    provider = OpenAICompatibleProvider(api_url=local_model.url, model=local_model.model)
    results: dict[int, list] = {}

    def ask(n: int) -> None:
        results[n] = list(provider.stream(SHORT, max_tokens=24))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(results) == [0, 1]
    for pieces in results.values():
        assert isinstance(pieces[-1], Usage) and pieces[-1].completion_tokens > 0
