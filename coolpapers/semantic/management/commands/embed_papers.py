"""`embed_papers`: embed every paper without a current embedding, as an admin-visible job."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from coolpapers.jobs.status import JobStatus
from coolpapers.semantic import jobs, services
from coolpapers.semantic.models import EmbeddingJob


class Command(BaseCommand):
    help = (
        "Embed the papers that have no current embedding (semantic mode), then recompute "
        "their related lists. Runs here with a progress bar, or in the Celery workers with "
        "--queue; either way the job shows in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue", action="store_true", help="hand the job to the workers and return"
        )

    def handle(self, *args, **options) -> None:
        current = services.mode(count=False)
        if not current.semantic:
            raise CommandError(f"{current.detail}: nothing to embed")
        job = EmbeddingJob.objects.create()
        if options["queue"]:
            from coolpapers.semantic import tasks

            tasks.start(job)
            self.stdout.write(f"Job #{job.pk} queued; watch it in the admin.")
            return
        runs: list[int] = []
        jobs.start(job, lambda job_id, run: runs.append(run))
        bar = tqdm(desc="embeddings", unit="papers", disable=options["verbosity"] == 0)

        def run_here(chunks: list[list[str]]) -> None:
            bar.reset(total=sum(len(chunk) for chunk in chunks))
            for number, chunk in enumerate(chunks):
                jobs.embed_chunk(job.pk, runs[-1], number, chunk)
                bar.update(len(chunk))

        count = jobs.plan(job.pk, runs[-1], run_here)
        bar.close()
        job.refresh_from_db()
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"job #{job.pk} {job.status}: {job.error or 'see the admin'}")
        self.stdout.write(f"Job #{job.pk}: embedded {count} papers; related lists queued.")
