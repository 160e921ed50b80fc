"""Staff start, watch, cancel and resume embedding backfills here; the page says the mode."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from coolpapers.jobs.admin import JobAdminMixin
from coolpapers.jobs.status import ACTIVE_STATUSES
from coolpapers.semantic import jobs, tasks
from coolpapers.semantic.models import EmbeddingJob
from coolpapers.semantic.services import mode


@admin.register(EmbeddingJob)
class EmbeddingJobAdmin(JobAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "status_badge",
        "progress_bar",
        "model",
        "created_by",
        "created_at",
        "duration",
    ]
    list_filter = ["status"]
    change_list_template = "admin/semantic/embeddingjob/change_list.html"
    actions = ["cancel_selected", "resume_selected"]
    fields = readonly_fields = [
        "status", "progress_bar", "model", "total", "done_count", "chunks_done", "chunks_total",
        "error", "run", "created_by", "created_at", "started_at", "finished_at", "duration",
    ]  # fmt: skip

    class Media:
        js = ["admin/jobs/refresh.js"]

    def has_change_permission(self, request: HttpRequest, obj: EmbeddingJob | None = None) -> bool:
        return False  # actions change jobs

    def get_fields(self, request: HttpRequest, obj: EmbeddingJob | None = None):
        return self.fields if obj else []  # the add form is a "Start" button

    def save_model(self, request: HttpRequest, obj: EmbeddingJob, form, change: bool) -> None:
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        tasks.start(obj)

    @admin.display(description="progress")
    def progress_bar(self, obj: EmbeddingJob) -> str:
        return self._progress(obj, f"{obj.done_count} of {obj.total} papers")

    @admin.action(description="Cancel selected jobs")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, jobs.cancel, "cancelled")

    @admin.action(description="Resume selected jobs (embeds the papers still without one)")
    def resume_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, tasks.start, "queued again")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        active = EmbeddingJob.objects.filter(status__in=[s.value for s in ACTIVE_STATUSES])
        extra_context = {
            **(extra_context or {}),
            "semantic_mode": mode(),
            "active_jobs": active.count(),
        }
        return super().changelist_view(request, extra_context)
