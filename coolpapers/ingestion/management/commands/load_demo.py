"""`load_demo`: the bundled real arXiv papers, loaded only into an empty database."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from coolpapers.papers.models import Paper

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "arxiv-demo.jsonl.gz"


class Command(BaseCommand):
    help = "Load the bundled demo papers (2,722 real arXiv records) when no paper is stored yet."

    def handle(self, *args, **options) -> None:
        count = Paper.objects.count()
        if count:
            self.stdout.write(f"The database holds {count} papers; demo data not loaded.")
            return
        call_command("ingest_arxiv", str(DEMO_FILE), verbosity=options["verbosity"])
