"""`run_site`: the web server, the Celery workers and beat together; Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Serve the site with gunicorn, Celery workers and beat (logs in DATA_DIR/logs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=3)

    def handle(self, *args, **options) -> None:
        logs = settings.DATA_DIR / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "coolpapers.wsgi",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["web_workers"]),
                "--access-logfile",
                "-",
                "--no-control-socket",
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "coolpapers",
                "worker",
                "--queues",
                "celery",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                "worker@%h",
            ],
            # The search index has one writer: its queue gets a worker with one process.
            "index-worker": [
                python,
                "-m",
                "celery",
                "-A",
                "coolpapers",
                "worker",
                "--queues",
                "index",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--hostname",
                "index@%h",
            ],
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
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            out = None if name == "web" else open(logs / f"{name}.log", "ab")  # noqa: SIM115
            children[name] = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
            )
        self.stdout.write(
            f"Cool Papers at http://{options['host']}:{options['port']}/ "
            f"(admin at /admin/); worker and beat logs in {logs}. Ctrl-C stops everything."
        )
        failed = None
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = f"{name} exited with code {child.returncode}"
                    stopping = True
                    break
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if failed:
            raise CommandError(f"{failed}; see {logs}")
        self.stdout.write("Stopped web, worker and beat.")
