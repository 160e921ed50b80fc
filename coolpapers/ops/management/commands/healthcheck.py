"""`healthcheck`: the container health probe. Asks the running server's /healthz over HTTP, so
it proves gunicorn answers too, with a Host header the site accepts (ALLOWED_HOSTS)."""

from __future__ import annotations

import http.client

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def probe_host() -> str:
    """A host name ALLOWED_HOSTS accepts: the first entry, a leading-dot wildcard made a name."""
    for host in settings.ALLOWED_HOSTS:
        if host != "*":
            return host.lstrip(".")
    return "localhost"


class Command(BaseCommand):
    help = "Exit 0 when the server's /healthz answers 200, else print what is down and exit 1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, **options) -> None:
        connection = http.client.HTTPConnection(
            options["host"], options["port"], timeout=options["timeout"]
        )
        try:
            connection.request("GET", "/healthz", headers={"Host": probe_host()})
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
        except OSError as exc:
            raise CommandError(
                f"no answer from {options['host']}:{options['port']}: {exc}"
            ) from exc
        finally:
            connection.close()
        if response.status != 200:
            raise CommandError(f"/healthz answered {response.status}: {body}")
        self.stdout.write(body)
