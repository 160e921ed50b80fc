"""Send the digests of the latest announcement day (or a given one) now, without beat.

    manage.py send_digests [--day YYYY-MM-DD|latest] [--queue]

Without --queue the chunks run in this process (the embedded `make run` mailbox under
DATA_DIR/mail gets them at once); with it they go to the Celery workers, as beat sends them.
`--day latest` sends the latest day however old it is (the demo data's
last day, say); without --day an old latest day is not sent, as beat would not. Profiles
that already have the day's digest get nothing again.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from coolpapers.digests import sending
from coolpapers.digests.tasks import send_digest_chunk
from coolpapers.interests import foryou


class Command(BaseCommand):
    help = "Send the daily digests of the latest announcement day (or --day) now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD or latest (default: the latest, if recent)")
        parser.add_argument("--queue", action="store_true", help="send chunks to the workers")

    def handle(self, *args, day: str | None = None, queue: bool = False, **options) -> None:
        chosen = None
        if day == "latest":
            chosen = foryou.latest_day()
            if chosen is None:
                raise CommandError("no announcement day in the database")
        elif day:
            try:
                chosen = date.fromisoformat(day)
            except ValueError as error:
                raise CommandError(f"--day {day!r}: {error}") from error
        totals = sending.ChunkResult()

        def run(day_text: str, ids: list[int]) -> None:
            if queue:
                send_digest_chunk.delay(day_text, ids)
                return
            done = sending.send_chunk(date.fromisoformat(day_text), ids)
            for name in ("sent", "empty", "skipped", "failed", "already"):
                setattr(totals, name, getattr(totals, name) + getattr(done, name))

        result = sending.dispatch(run, day=chosen)
        if result.day is None:
            self.stdout.write(f"nothing to send: {result.reason}")
            return
        line = f"{result.day}: {result.profiles} profiles in {result.chunks} chunks"
        if not queue:
            line += (
                f"; sent {totals.sent}, nothing that day {totals.empty}, "
                f"skipped {totals.skipped}, failed {totals.failed}"
            )
        self.stdout.write(line + (f" ({result.reason})" if result.reason else ""))
