"""`check_index [--repair]`: papers missing from the index, stale in it, or left over."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.indexing import compare_index, repair

SHOWN = 20


class Command(BaseCommand):
    help = "Compare the search index with the database; --repair re-indexes what differs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="fix the differences")

    def handle(self, *args, **options) -> None:
        diff = compare_index()
        for label, ids in (
            ("missing from the index", diff.missing),
            ("stale in the index", diff.stale),
            ("in the index but not in the database", diff.orphans),
        ):
            more = f" (first {SHOWN})" if len(ids) > SHOWN else ""
            listed = f": {', '.join(ids[:SHOWN])}{more}" if ids else ""
            self.stdout.write(f"{len(ids)} {label}{listed}")
        if not diff.total:
            self.stdout.write("The index matches the database.")
            return
        if not options["repair"]:
            raise CommandError(f"{diff.total} differences; run check_index --repair")
        fixed = repair(diff)
        remaining = compare_index().total
        if remaining:
            raise CommandError(f"repaired {fixed}, but {remaining} differences remain")
        self.stdout.write(f"Repaired {diff.total} differences; the index matches the database.")
