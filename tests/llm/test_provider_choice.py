"""Which provider the settings give, and the message when there is none."""

from __future__ import annotations

import pytest
from django.test import override_settings

from coolpapers.llm import base, local
from coolpapers.llm.base import ChatProvider, ProviderUnavailable
from coolpapers.llm.openai_compat import OpenAICompatibleProvider
from tests.llm.conftest import free_port


class Canned:
    """A provider of our own, chosen by LLM_BACKEND like a cache backend."""

    model = "canned"

    def stream(self, messages, *, max_tokens):
        yield base.Delta("hi")
        yield base.Usage(1, 1)


def test_without_url_or_local_server_the_faq_is_not_configured():
    with override_settings(LLM_API_URL="", LLM_LOCAL_PORT=free_port()):
        assert not base.configured()
        with pytest.raises(ProviderUnavailable, match=r"^The FAQ is not configured"):
            base.get_provider()


@override_settings(
    LLM_API_URL="https://api.example.org/v1", LLM_API_KEY="sk-test", LLM_MODEL="kimi-k2"
)
def test_the_url_key_and_model_come_from_the_settings():
    assert base.configured()
    provider = base.get_provider()
    assert isinstance(provider, OpenAICompatibleProvider) and isinstance(provider, ChatProvider)
    assert provider.model == "kimi-k2"
    assert str(provider.client.base_url) == "https://api.example.org/v1/"
    assert provider.client.api_key == "sk-test"
    assert provider.client.max_retries == 0  # the retry policy is ours


@override_settings(LLM_API_URL="https://api.example.org/v1", LLM_MODEL="")
def test_a_url_without_a_model_is_not_configured():
    with pytest.raises(ProviderUnavailable, match="LLM_MODEL names no model"):
        base.get_provider()


@override_settings(LLM_API_URL="http://x/v1", LLM_BACKEND="tests.llm.test_provider_choice.Canned")
def test_the_backend_is_a_dotted_path():
    provider = base.get_provider()
    assert isinstance(provider, Canned)
    assert list(provider.stream([], max_tokens=1)) == [base.Delta("hi"), base.Usage(1, 1)]


def test_the_local_server_is_used_when_it_answers(monkeypatch):
    monkeypatch.setattr(local, "installed", lambda: True)
    with override_settings(LLM_API_URL="", LLM_MODEL="", LLM_LOCAL_PORT=4242):
        monkeypatch.setattr(local, "listening", lambda on_port=None, timeout=0.2: True)
        assert base.configured()
        provider = base.get_provider()
        assert provider.model == local.MODEL_NAME
        assert str(provider.client.base_url) == "http://127.0.0.1:4242/v1/"
        monkeypatch.setattr(local, "listening", lambda on_port=None, timeout=0.2: False)
        assert not base.configured()


def test_the_server_command_runs_llama_cpp_on_the_shipped_model():
    argv = local.server_command(8123)
    if not local.installed():
        assert argv is None
        pytest.skip("the local-llm extra is not installed")
    gguf = local.gguf_path()
    assert gguf.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and gguf.stat().st_size > 50_000_000
    assert argv[1:3] == ["-m", "llama_cpp.server"]
    options = dict(zip(argv[3::2], argv[4::2], strict=True))
    assert options["--model"] == str(gguf)
    assert (options["--host"], options["--port"]) == ("127.0.0.1", "8123")
    assert (options["--n_ctx"], options["--n_threads"]) == ("4096", "1")  # LLM_LOCAL_THREADS
    assert options["--interrupt_requests"] == "false"  # concurrent answers queue, not cut
    assert local.server_command(8123, threads=2)[argv.index("--n_threads") + 1] == "2"
