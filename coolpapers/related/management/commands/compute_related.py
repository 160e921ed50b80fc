"""`compute_related`: keywords and related papers for stale papers, changed ones, or all."""

from __future__ import annotations

import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from coolpapers.related import services, store
from coolpapers.related.models import PaperKeywords

STALL = 600  # seconds without a finished paper before waiting stops


class Command(BaseCommand):
    help = (
        "Compute keywords and the 20 related papers: of papers whose results are stale "
        "(default; the model is rebuilt first when it is due), changed since a date "
        "(--since), or all after a model rebuild (--all). Chunks go to Celery workers "
        "unless --sync."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="rebuild the model, then all papers")
        which.add_argument("--since", metavar="YYYY-MM-DD", help="papers changed since this day")
        parser.add_argument(
            "--workers-chunk",
            type=int,
            default=services.CHUNK,
            metavar="N",
            help="papers per task (default %(default)s)",
        )
        parser.add_argument("--sync", action="store_true", help="compute here, not in Celery")
        parser.add_argument(
            "--no-wait", action="store_true", help="queue the chunks and return at once"
        )

    def handle(self, *args, **options) -> None:
        if options["workers_chunk"] < 1:
            raise CommandError("--workers-chunk must be at least 1")
        quiet = options["verbosity"] == 0
        since = None
        if options["since"]:
            try:
                day = datetime.strptime(options["since"], "%Y-%m-%d").date()
            except ValueError as exc:
                raise CommandError(f"--since: {exc}") from exc
            since = timezone.make_aware(datetime.combine(day, datetime.min.time()))

        started = time.monotonic()
        current = store.current_model()
        if options["all"] or current is None or current.needs_rebuild:
            bar = tqdm(desc="model", unit="papers", disable=quiet)
            model = services.build_model(progress=lambda n: bar.update(n - bar.n))
            bar.close()
            if model is None:
                self.stdout.write("No papers yet.")
                return
            self.stdout.write(
                f"Built model {model.version}: {model.base_rows} papers, {len(model.terms)} terms"
            )
        ids = services.stale_ids() if since is None else services.changed_ids(since)
        chunks = list(services.chunks(ids, options["workers_chunk"]))
        if options["sync"]:
            bar = tqdm(total=len(ids), desc="related", unit="papers", disable=quiet)
            for chunk in chunks:
                bar.update(services.compute_papers(chunk))
            bar.close()
        else:
            from coolpapers.related.tasks import dispatch_chunks

            queued_at = timezone.now()
            dispatch_chunks(chunks)
            self.stdout.write(f"Queued {len(chunks)} chunks of {len(ids)} papers.")
            if not options["no_wait"]:
                self._wait(len(ids), queued_at, quiet)
        self.stdout.write(
            f"Related papers of {len(ids)} papers in {time.monotonic() - started:.1f}s"
        )

    def _wait(self, total: int, queued_at: datetime, quiet: bool) -> None:
        """Follow the workers' progress in the database (Ctrl-C leaves the chunks queued)."""
        bar = tqdm(total=total, desc="related", unit="papers", disable=quiet)
        done, progressed = 0, time.monotonic()
        while done < total:
            time.sleep(1)
            now_done = PaperKeywords.objects.filter(computed_at__gte=queued_at).count()
            if now_done > done:
                done, progressed = now_done, time.monotonic()
            elif time.monotonic() - progressed > STALL:
                bar.close()
                raise CommandError(
                    f"no progress for {STALL} s ({done} of {total} done): are workers running? "
                    "The chunks stay queued."
                )
            bar.update(min(done, total) - bar.n)
        bar.close()
