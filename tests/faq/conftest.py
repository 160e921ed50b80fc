"""FAQ fixtures: real papers (the bundled arXiv sample) and a chat server that streams a real
OpenAI-style answer (tests/llm's scripted server, spoken to by the real provider client), or
the real local model (tests/llm's llama.cpp fixture)."""

from __future__ import annotations

import pytest

from coolpapers.papers.models import Paper
from tests.browse.conftest import SAMPLE, ingest
from tests.llm.conftest import ScriptedServer, Step, chunk, local_model, scripted, sse

__all__ = ["local_model", "scripted"]

ANSWER = (
    "## What problem does this paper try to solve?\n\n"
    "It bounds $\\|x_t - x^*\\|^2 \\le (1-\\mu\\eta)^t$ for every $t$.\n\n"
    "$$\n\\sum_{i=1}^{n} a_i = 1\n$$\n\n"
    "## What related work is there?\n\n"
    "<script>alert(1)</script> and [click](javascript:alert(1)) are text.\n"
)
USAGE = {"prompt_tokens": 321, "completion_tokens": 54, "total_tokens": 375}


def pieces(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def answer_stream(text: str = ANSWER, usage: dict | None = None) -> bytes:
    """The answer as a chat-completions event stream, a few characters per chunk."""
    events = [chunk(piece) for piece in pieces(text)]
    return sse(*events, chunk(finish="stop"), chunk(usage=usage or USAGE))


@pytest.fixture
def papers(db) -> list[Paper]:
    """The bundled sample of real arXiv records."""
    ingest(SAMPLE)
    return list(Paper.objects.order_by("-announced", "arxiv_id"))


@pytest.fixture
def llm(settings, scripted: ScriptedServer) -> ScriptedServer:
    """The site pointed at the scripted server, which streams ANSWER."""
    settings.LLM_API_URL = scripted.url
    settings.LLM_API_KEY = "test"
    settings.LLM_MODEL = "scripted-model"
    settings.LLM_MAX_RETRIES = 0
    settings.LLM_TIMEOUT = 10
    scripted.script(Step(body=answer_stream()))
    return scripted


__all__ += ["ANSWER", "USAGE", "Step", "answer_stream", "chunk", "sse"]
