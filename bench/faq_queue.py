"""FAQ queue benchmark: how long readers wait for a worker when 20 ask at once.

    COOLPAPERS_DATA_DIR=... python -m bench.faq_queue [--requests 20] [--tokens 100]
        [--rate 50] [--concurrency 2] [--queues celery,llm]

Needs a data directory whose database has at least `--requests` papers (e.g. after
`manage.py load_demo`) and no Redis (REDIS_URL is cleared: the embedded filesystem broker).

The provider is a local OpenAI-compatible STUB server started here, which streams a
fixed-length answer (`--tokens` chunks) at a fixed rate (`--rate` chunks per second): this
measures the queue (the worker's claims, saves and renders; the broker), not a model. A real
Celery worker is started as `make run` starts it (run_site: queues celery,llm, concurrency 2)
against the stub; `--requests` readers (different papers, English, one client address each)
ask at the same moment through faq.services.request, as the page and the API do. Prints
p50/p95/max of the queue wait (started_at - requested_at), the generation time, and the total
time from the first request to the last answer; the FAQ rows it made are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
os.environ["REDIS_URL"] = ""  # the embedded broker, as the worker uses it
os.environ.setdefault("LLM_API_KEY", "bench")
os.environ.setdefault("LLM_MODEL", "bench-stub")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def stub_server(tokens: int, rate: float) -> ThreadingHTTPServer:
    """An OpenAI-compatible chat-completions server streaming `tokens` chunks at `rate`/s."""

    def event(data: dict) -> bytes:
        return f"data: {json.dumps(data)}\n\n".encode()

    def chunk(content: str | None = None, finish: str | None = None, usage=None) -> dict:
        choices = []
        if content is not None or finish is not None:
            delta = {"content": content} if content is not None else {}
            choices.append({"index": 0, "delta": delta, "finish_reason": finish})
        data = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "bench-stub",
            "choices": choices,
        }
        if usage:
            data["usage"] = usage
        return data

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(event(chunk("## What problem does this paper try to solve?\n\n")))
            start = time.monotonic()
            for n in range(tokens):
                delay = start + (n + 1) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.wfile.write(event(chunk("word ")))
                self.wfile.flush()
            usage = {
                "prompt_tokens": 300,
                "completion_tokens": tokens,
                "total_tokens": 300 + tokens,
            }
            self.wfile.write(event(chunk(finish="stop")) + event(chunk(usage=usage)))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=100, help="chunks per answer")
    parser.add_argument("--rate", type=float, default=50, help="chunks per second")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--queues", default="celery,llm")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    server = stub_server(args.tokens, args.rate)
    os.environ["LLM_API_URL"] = f"http://127.0.0.1:{server.server_address[1]}/v1"
    django.setup()
    from django.db import connection

    from coolpapers.faq import services
    from coolpapers.faq.models import FAQ, FaqStatus
    from coolpapers.ops.management.commands.run_site import celery_worker
    from coolpapers.papers.models import Paper

    papers = list(
        Paper.objects.exclude(faqs__language="en").order_by("-announced", "arxiv_id")[
            : args.requests
        ]
    )
    if len(papers) < args.requests:
        sys.exit(f"need {args.requests} papers without an English FAQ, found {len(papers)}")
    # Messages another run left on the broker would take the worker's first turns.
    log = Path(tempfile.mkstemp(prefix="faq-queue-worker-", suffix=".log")[1])
    command = celery_worker(args.queues, args.concurrency, "bench-faq")
    with log.open("w") as out:
        worker = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=os.environ, start_new_session=True
        )
    pks: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while "ready" not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the worker did not start; see {log}")
            time.sleep(0.2)
        connection.close()  # each thread opens its own

        def ask(index: int) -> int:
            try:
                return services.request(papers[index], "en", f"198.51.100.{index + 1}").pk
            finally:
                connection.close()

        began = time.monotonic()
        with ThreadPoolExecutor(args.requests) as pool:
            pks = list(pool.map(ask, range(args.requests)))
        asked = time.monotonic() - began
        deadline = time.monotonic() + args.timeout
        while FAQ.objects.filter(pk__in=pks, status__in=services.ACTIVE).exists():
            if time.monotonic() > deadline or worker.poll() is not None:
                sys.exit(f"not all FAQs finished in {args.timeout:.0f} s; see {log}")
            time.sleep(0.2)
        rows = list(FAQ.objects.filter(pk__in=pks))
    finally:
        try:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(worker.pid, signal.SIGKILL)
        server.shutdown()
        FAQ.objects.filter(pk__in=pks).delete()

    failed = [row for row in rows if row.status != FaqStatus.DONE]
    waits = [(row.started_at - row.requested_at).total_seconds() for row in rows]
    runs = [(row.finished_at - row.started_at).total_seconds() for row in rows]
    total = (max(r.finished_at for r in rows) - min(r.requested_at for r in rows)).total_seconds()
    answer = args.tokens / args.rate
    print(
        f"Provider: a local OpenAI-compatible STUB server ({args.tokens} chunks at "
        f"{args.rate:g}/s = {answer:.1f} s of streaming per answer) - a queue measurement, "
        "not a model's speed."
    )
    print(
        f"Worker: {' '.join(command[1:])} (embedded filesystem broker); "
        f"{args.requests} requests for different papers sent in {asked:.2f} s."
    )
    failures = f", FAILED {len(failed)}: {failed[0].error}" if failed else ""
    print(f"Done {len(rows) - len(failed)}/{len(rows)}{failures}")
    print(
        f"Queue wait:  p50 {percentile(waits, 0.5):6.2f} s   p95 {percentile(waits, 0.95):6.2f} s"
        f"   max {max(waits):6.2f} s   mean {statistics.mean(waits):6.2f} s"
    )
    print(
        f"Generation:  p50 {percentile(runs, 0.5):6.2f} s   p95 {percentile(runs, 0.95):6.2f} s"
        f"   (streaming alone {answer:.2f} s)"
    )
    print(
        f"Total:       {total:.2f} s from the first request to the last answer "
        f"(ideal with {args.concurrency} worker processes: "
        f"{args.requests / args.concurrency * answer:.1f} s)"
    )


if __name__ == "__main__":
    main()
