"""Staff start, watch, cancel and resume embedding backfills here; the page says the mode."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from coolpapers.jobs.admin import JobAdminMixin, JobOperation
from coolpapers.jobs.status import RESTARTABLE, JobStatus
from coolpapers.semantic import jobs, tasks
from coolpapers.semantic.models import EmbeddingJob
from coolpapers.semantic.services import mode


def cancel(job: EmbeddingJob) -> str:
    jobs.cancel(job)
    return f"Job #{job.pk} cancelled (a chunk already being embedded still finishes)."


def resume(job: EmbeddingJob) -> str:
    tasks.start(job)
    return f"Job #{job.pk} queued again."  # it embeds the papers still without an embedding


OPERATIONS = (
    JobOperation(
        "cancel",
        "Cancel job",
        cancel,
        lambda job: job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
    ),
    JobOperation("resume", "Resume", resume, lambda job: job.status in RESTARTABLE),
)


@admin.register(EmbeddingJob)
class EmbeddingJobAdmin(JobAdminMixin, admin.ModelAdmin):
    job_operations = OPERATIONS
    list_display = ["id", "job", "status_badge", "progress_bar", "counts"]
    list_filter = ["status"]
    change_list_template = "admin/semantic/embeddingjob/change_list.html"
    actions = ["cancel_selected", "resume_selected"]
    # Status, progress, counts and error are in the job page's live block.
    fields = readonly_fields = [
        "model", "total", "run", "created_by", "created_at", "started_at", "finished_at",
    ]  # fmt: skip

    class Media:
        js = ["vendor/htmx/htmx.min.js", "coolpapers/js/admin-jobs.js"]
        css = {"all": ["coolpapers/css/admin-jobs.css"]}

    def has_change_permission(self, request: HttpRequest, obj: EmbeddingJob | None = None) -> bool:
        return False  # the buttons and actions change jobs (has_operate_permission)

    def get_fields(self, request: HttpRequest, obj: EmbeddingJob | None = None):
        return self.fields if obj else []  # the add form is a "Start" button

    def save_model(self, request: HttpRequest, obj: EmbeddingJob, form, change: bool) -> None:
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        tasks.start(obj)

    def job_counts(self, obj: EmbeddingJob) -> list[tuple[str, int]]:
        return [("embedded", obj.done_count), ("in all", obj.total)]

    def progress_note(self, obj: EmbeddingJob) -> str:
        return f"{obj.chunks_done:,} of {obj.chunks_total:,} chunks"

    @admin.display(description="job", ordering="created_at")
    def job(self, obj: EmbeddingJob) -> SafeString:
        return self.job_cell(obj, "Embeddings", obj.model or "model chosen when it starts")

    @admin.action(description="Cancel selected jobs", permissions=["operate"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "cancel")

    @admin.action(
        description="Resume selected jobs (embeds the papers still without one)",
        permissions=["operate"],
    )
    def resume_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "resume")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "semantic_mode": mode()}
        return super().changelist_view(request, extra_context)
