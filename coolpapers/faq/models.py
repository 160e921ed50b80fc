"""One generated FAQ per paper, version and language; the row is also the job that makes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from coolpapers.jobs.status import JobProgress, JobStatus
from coolpapers.papers.models import Paper
from coolpapers.rendering.tex import RENDERER_VERSION

LANGUAGES = (("en", "English"), ("zh-hans", "简体中文"))


class FaqStatus(models.TextChoices):
    QUEUED = "queued"
    GENERATING = "generating"
    DONE = "done"
    FAILED = "failed"


# A worker may be at work on a FAQ in one of these (or about to take it).
ACTIVE = (FaqStatus.QUEUED, FaqStatus.GENERATING)


class Priority(models.IntegerChoices):
    """Lower goes first: requests for the papers of the latest announcement day, then others."""

    TODAY = 0, "today's papers"
    OLDER = 1, "older papers"


class FAQ(models.Model):
    """The answers as Markdown (partial while generating) and as HTML rendered on the server
    at each step, kept with the renderer version like rendering.models.Note.

    Unique on (paper, version, language): a second request finds the row instead of queueing
    a second generation, and a worker takes the row's lease before it asks the model.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="faqs")
    version = models.PositiveIntegerField(help_text="The paper version the answers are about")
    language = models.CharField(max_length=8, choices=LANGUAGES)
    status = models.CharField(
        max_length=12, choices=FaqStatus.choices, default=FaqStatus.QUEUED, db_index=True
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.OLDER)
    markdown = models.TextField(blank=True, help_text="The answer so far (all of it once done)")
    html = models.TextField(blank=True, editable=False)
    html_version = models.CharField(max_length=16, blank=True, editable=False)
    model = models.CharField(max_length=200, blank=True, help_text="The model that wrote it")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    sources = models.JSONField(
        default=list, blank=True, help_text="Kinds of source the prompt used"
    )
    error = models.TextField(blank=True)
    client = models.CharField(max_length=64, blank=True, help_text="Address that asked first")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Runs started")
    lease_owner = models.CharField(max_length=64, blank=True, editable=False)
    lease_expires = models.DateTimeField(null=True, blank=True, editable=False)
    batch = models.ForeignKey(
        "FAQBatchJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queued_faqs",
        editable=False,
        help_text="The staff batch that queued it (none once a reader asks for it too)",
    )

    class Meta:
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "version", "language"], name="unique_faq_paper_version_language"
            )
        ]
        indexes = [models.Index(fields=["status", "priority", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.paper_id}v{self.version} ({self.language}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def rendered(self) -> str:
        """The stored HTML; a done answer is rendered again (and stored) after a renderer change."""
        if self.status == FaqStatus.DONE and self.html_version != RENDERER_VERSION:
            from coolpapers.faq.streaming import render_answer

            self.html = render_answer(self.markdown)
            self.html_version = RENDERER_VERSION
            FAQ.objects.filter(pk=self.pk).update(html=self.html, html_version=RENDERER_VERSION)
        return self.html

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class FAQBatchJob(JobProgress, models.Model):
    """Staff's pre-generation of the FAQs of a day's list (a category spec and a day) in one
    or more languages: each FAQ is requested through services.request, so one that exists or
    is under way is counted as skipped, never generated twice.

    Progress is FAQs done (or failed) of those requested, kept by the `faq.generate` task as
    each finishes; cancelling stops requesting and dequeues the rows this batch queued that
    no worker has started (readers' rows stay).
    """

    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    spec = models.CharField(
        max_length=500,
        help_text="Category list as in a list's URL, e.g. cs.CV,cs.LG or math.*-math.ST",
    )
    day = models.DateField(help_text="Announcement day of the list")
    languages = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0, help_text="FAQs requested")
    queued_count = models.PositiveIntegerField("queued", default=0)
    skipped_count = models.PositiveIntegerField(
        "skipped", default=0, help_text="Found done or under way"
    )
    done_count = models.PositiveIntegerField("done", default=0)
    failed_count = models.PositiveIntegerField("failed", default=0)
    dequeued_count = models.PositiveIntegerField("dequeued", default=0)
    requested_all = models.BooleanField(default=False, editable=False)
    faqs = models.ManyToManyField(FAQ, related_name="batches", blank=True, editable=False)
    error = models.TextField(blank=True, help_text="Why the job failed")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "FAQ batch job"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} FAQs of {self.spec} on {self.day} ({self.status})"

    def done_percent(self) -> float:
        finished = self.done_count + self.failed_count
        return 100 * finished / self.total if self.total else 0
