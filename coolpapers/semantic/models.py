"""Paper embeddings, and the backfill jobs staff run from the admin to compute them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from coolpapers.jobs.status import JobProgress, JobStatus
from coolpapers.papers.models import Paper


class PaperEmbedding(models.Model):
    """A paper's unit-length embedding as float16 bytes, and what it was computed from.

    Stale when `content_hash` is not the paper's any more or `model` is not the configured one.
    """

    paper = models.OneToOneField(
        Paper, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    model = models.CharField(max_length=100, db_index=True)
    content_hash = models.CharField(max_length=40)
    vector = models.BinaryField(help_text="float16, unit length")
    computed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.paper_id} ({self.model})"


class EmbeddingJob(JobProgress, models.Model):
    """Embeds every paper without a current embedding, in chunks that the workers share."""

    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    model = models.CharField(max_length=100, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="Papers to embed")
    done_count = models.PositiveIntegerField("embedded", default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the job failed")
    run = models.PositiveIntegerField(default=0, help_text="Starts and resumes so far")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} embeddings ({self.status})"

    def done_percent(self) -> float:
        return 100 * self.chunks_done / self.chunks_total if self.chunks_total else 0


class EmbeddingChunk(models.Model):
    """A chunk of a job's run that has been counted.

    A chunk is delivered again when its worker dies after committing and before acknowledging
    it; finding its row, it counts nothing, so the job cannot reach its chunk total early.
    """

    job = models.ForeignKey(EmbeddingJob, on_delete=models.CASCADE, related_name="counted_chunks")
    run = models.PositiveIntegerField()
    number = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "run", "number"], name="embedding_chunk_once")
        ]

    def __str__(self) -> str:
        return f"job #{self.job_id} run {self.run} chunk {self.number}"
