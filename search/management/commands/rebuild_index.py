"""`rebuild_index`: a complete new index from the database, swapped in atomically."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from tqdm import tqdm

from coolpapers.papers.models import Paper
from search.backends import get_backend
from search.documents import iter_all_documents
from search.indexing import reindex_changed_since


class Command(BaseCommand):
    help = "Rebuild the search index from the database into a new directory and swap it in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="only when the index holds no paper yet"
        )

    def handle(self, *args, **options) -> None:
        backend = get_backend()
        total = Paper.objects.count()
        if options["if_empty"] and backend.document_count():
            self.stdout.write(f"The index holds {backend.document_count()} papers; not rebuilt.")
            return
        started_at = timezone.now()
        started = time.monotonic()
        bar = tqdm(total=total, unit="papers", disable=options["verbosity"] == 0)

        def progress(done: int) -> None:
            bar.update(done - bar.n)

        count = backend.rebuild(iter_all_documents(), progress=progress)
        bar.close()
        # Papers changed while the new index was being built are written to it now.
        caught_up = reindex_changed_since(started_at)
        self.stdout.write(
            f"Indexed {count} papers with {backend.name} in {time.monotonic() - started:.1f}s"
            + (f" (+{caught_up} changed during the build)" if caught_up else "")
        )
