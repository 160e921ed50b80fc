"""`ingest_arxiv SOURCE`: ingest a file, a directory, or a live harvest, as a recorded job."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from coolpapers.ingestion.arxiv_client import TransientError
from coolpapers.ingestion.jobs import JobBusy, run_job
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.ingestion.readers import FORMATS
from coolpapers.jobs.status import JobStatus
from coolpapers.papers.arxiv_ids import InvalidArxivId, normalize_arxiv_id


class Command(BaseCommand):
    help = (
        "Ingest arXiv metadata. SOURCE is a file or directory (OAI-PMH XML, API Atom, RSS, "
        "Kaggle JSON lines/CSV, corpus JSON lines, .abs files or a tarball of them, optionally "
        "gzipped), 'oai' for an OAI-PMH harvest, or 'api' for the arXiv API."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="file, directory, 'oai' or 'api'")
        parser.add_argument("--format", default="auto", choices=FORMATS)
        parser.add_argument("--set", dest="set_spec", help="OAI set, e.g. cs or physics:hep-th")
        parser.add_argument("--from", dest="from_date", help="OAI from date YYYY-MM-DD")
        parser.add_argument("--until", help="OAI until date YYYY-MM-DD")
        parser.add_argument(
            "--metadata-prefix", default="arXiv", choices=["arXiv", "arXivRaw"], help="OAI format"
        )
        parser.add_argument("--ids", help="comma-separated arXiv ids (with 'api')")
        parser.add_argument("--query", help="arXiv API search_query (with 'api')")
        parser.add_argument("--max-results", type=int, default=1000)
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--resume", type=int, metavar="JOB", help="resume job JOB")

    def handle(self, *args, **options) -> None:
        job = self._job(options)
        bar = tqdm(
            total=100,
            unit="%",
            desc=f"job #{job.pk}",
            disable=options["verbosity"] == 0,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}",
        )
        started = time.monotonic()

        def progress(j: IngestionJob) -> None:
            bar.n = min(99, j.percent)
            rate = j.processed_count / max(time.monotonic() - started, 1e-9)
            bar.set_postfix_str(
                f"created {j.created_count}, updated {j.updated_count}, "
                f"unchanged {j.unchanged_count}, rejected {j.rejected_count} ({rate:.0f}/s)"
            )

        try:
            job = run_job(job.pk, on_progress=progress, batch_size=options["batch_size"])
        except JobBusy as exc:
            raise CommandError(str(exc)) from exc
        except TransientError as exc:
            IngestionJob.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, error=f"interrupted: {exc}"
            )
            raise CommandError(
                f"job #{job.pk} interrupted: {exc} (resume with --resume {job.pk})"
            ) from exc
        finally:
            if job.status == JobStatus.SUCCEEDED:
                bar.n = 100
            bar.close()
        elapsed = time.monotonic() - started
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"job #{job.pk} {job.status}: {job.error}")
        self.stdout.write(
            f"job #{job.pk} succeeded in {elapsed:.1f}s: created {job.created_count}, "
            f"updated {job.updated_count}, unchanged {job.unchanged_count}, "
            f"rejected {job.rejected_count}"
        )

    def _job(self, options: dict) -> IngestionJob:
        if options["resume"]:
            try:
                job = IngestionJob.objects.get(pk=options["resume"])
            except IngestionJob.DoesNotExist as exc:
                raise CommandError(f"no ingestion job #{options['resume']}") from exc
            if job.status == JobStatus.SUCCEEDED:
                raise CommandError(f"job #{job.pk} already succeeded")
            job.status, job.cancel_requested = JobStatus.QUEUED, False
            job.save(update_fields=["status", "cancel_requested"])
            return job
        source = options["source"]
        if source == "oai":
            params = {
                "set": options["set_spec"] or "",
                "from": options["from_date"] or "",
                "until": options["until"] or "",
                "metadata_prefix": options["metadata_prefix"],
            }
            return IngestionJob.objects.create(kind=JobKind.OAI, params=params)
        if source == "api":
            if options["ids"]:
                try:
                    ids = [normalize_arxiv_id(i) for i in options["ids"].split(",") if i.strip()]
                except InvalidArxivId as exc:
                    raise CommandError(str(exc)) from exc
                return IngestionJob.objects.create(kind=JobKind.API_IDS, params={"ids": ids})
            if options["query"]:
                params = {"query": options["query"], "max_results": options["max_results"]}
                return IngestionJob.objects.create(kind=JobKind.API_QUERY, params=params)
            raise CommandError("'api' needs --ids or --query")
        path = Path(source)
        if not path.exists():
            raise CommandError(f"{source}: no such file or directory")
        params = {"path": str(path.resolve()), "format": options["format"]}
        return IngestionJob.objects.create(kind=JobKind.FILE, params=params)
