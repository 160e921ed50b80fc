"""Ingestion jobs: what staff start in the admin and `ingest_arxiv` records for every run."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from coolpapers.jobs.status import JobProgress, JobStatus


class JobKind(models.TextChoices):
    FILE = "file", "File or directory on the server"
    UPLOAD = "upload", "Uploaded file"
    OAI = "oai", "OAI-PMH harvest (set and dates)"
    API_IDS = "api_ids", "arXiv API: import ids"
    API_QUERY = "api_query", "arXiv API: search query"
    TODAY = "today", "Today's announcements (RSS + API)"


class IngestionJob(JobProgress, models.Model):
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    params = models.JSONField(default=dict, blank=True, help_text="Source parameters")
    upload = models.FileField(upload_to="uploads/%Y/%m/%d/", blank=True)
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    created_count = models.PositiveIntegerField("created", default=0)
    updated_count = models.PositiveIntegerField("updated", default=0)
    unchanged_count = models.PositiveIntegerField("unchanged", default=0)
    rejected_count = models.PositiveIntegerField("rejected", default=0)
    progress = models.FloatField(default=0.0, help_text="Fraction done, 0 to 1")
    checkpoint = models.JSONField(
        default=dict, blank=True, help_text="Where a resumed run continues"
    )
    error = models.TextField(blank=True, help_text="Why the job failed")
    log = models.TextField(blank=True, help_text="Rejected records and retried errors")
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    lease_expires = models.DateTimeField(
        null=True, blank=True, help_text="A running job's worker renews this after every batch"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.status})"

    @property
    def processed_count(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count + self.rejected_count

    def done_percent(self) -> float:
        return self.progress * 100

    def describe_source(self) -> str:
        p = self.params
        if self.kind == JobKind.FILE:
            return f"{p.get('path')} ({p.get('format', 'auto')})"
        if self.kind == JobKind.UPLOAD:
            return f"{self.upload.name} ({p.get('format', 'auto')})"
        if self.kind == JobKind.OAI:
            return (
                f"set={p.get('set') or 'all'} from={p.get('from') or '-'} "
                f"until={p.get('until') or '-'} ({p.get('metadata_prefix', 'arXiv')})"
            )
        if self.kind == JobKind.API_IDS:
            ids = p.get("ids", [])
            return f"{len(ids)} ids: {', '.join(ids[:5])}{' ...' if len(ids) > 5 else ''}"
        if self.kind == JobKind.API_QUERY:
            return f"query {p.get('query')!r}"
        return f"categories {', '.join(p.get('categories', []))}"
