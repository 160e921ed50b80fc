"""Staff run and watch ingestion jobs here: create, cancel, retry, resume, harvest today."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse

from coolpapers.ingestion.control import cancel_job, resume_job, retry_job, start_job
from coolpapers.ingestion.forms import IngestionJobForm
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.jobs.admin import JobAdminMixin
from coolpapers.jobs.status import JobStatus


@admin.register(IngestionJob)
class IngestionJobAdmin(JobAdminMixin, admin.ModelAdmin):
    form = IngestionJobForm
    change_list_template = "admin/ingestion/ingestionjob/change_list.html"
    list_display = [
        "id",
        "kind",
        "source",
        "status_badge",
        "progress_bar",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
        "created_by",
        "created_at",
        "duration",
    ]
    list_filter = ["status", "kind"]
    actions = ["cancel_selected", "retry_selected", "resume_selected"]
    readonly_fields = [
        "kind",
        "source",
        "status",
        "progress_bar",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
        "error",
        "log",
        "checkpoint",
        "params",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "celery_task_id",
        "cancel_requested",
    ]

    class Media:
        js = ["admin/jobs/refresh.js"]

    def get_fieldsets(self, request: HttpRequest, obj: IngestionJob | None = None):
        if obj is None:
            return [
                (None, {"fields": ["kind"]}),
                (
                    "OAI-PMH harvest",
                    {"fields": ["set_spec", "from_date", "until", "metadata_prefix"]},
                ),
                ("arXiv API", {"fields": ["ids", "query", "max_results"]}),
                ("File", {"fields": ["upload", "path", "format"]}),
            ]
        return [(None, {"fields": self.readonly_fields})]

    def get_readonly_fields(self, request: HttpRequest, obj: IngestionJob | None = None):
        return self.readonly_fields if obj else []

    def has_change_permission(self, request: HttpRequest, obj: IngestionJob | None = None) -> bool:
        # Jobs are read-only once created; actions change them.
        return obj is None and super().has_change_permission(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: IngestionJob | None = None) -> bool:
        return request.user.is_staff and request.user.has_perm("ingestion.view_ingestionjob")

    def save_model(self, request: HttpRequest, obj: IngestionJob, form, change: bool) -> None:
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        start_job(obj)

    @admin.display(description="source")
    def source(self, obj: IngestionJob) -> str:
        return obj.describe_source()

    @admin.display(description="progress")
    def progress_bar(self, obj: IngestionJob) -> str:
        return self._progress(obj, f"{obj.processed_count} records")

    @admin.action(description="Cancel selected jobs")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, cancel_job, "cancelled")

    @admin.action(description="Retry selected jobs from the start")
    def retry_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, retry_job, "queued again from the start")

    @admin.action(description="Resume selected jobs from their checkpoint")
    def resume_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, resume_job, "resumed")

    def get_urls(self):
        return [
            path(
                "harvest-today/",
                self.admin_site.admin_view(self.harvest_today_view),
                name="ingestion_ingestionjob_harvest_today",
            ),
            *super().get_urls(),
        ]

    def harvest_today_view(self, request: HttpRequest) -> HttpResponseRedirect:
        changelist = reverse("admin:ingestion_ingestionjob_changelist")
        if request.method != "POST" or not self.has_add_permission(request):
            return HttpResponseRedirect(changelist)
        job = IngestionJob.objects.create(
            kind=JobKind.TODAY,
            params={"categories": settings.ARXIV_CATEGORIES},
            created_by=request.user,
        )
        start_job(job)
        self.message_user(
            request,
            f"Job #{job.pk} queued: today's announcements of "
            f"{', '.join(settings.ARXIV_CATEGORIES)}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(changelist)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = extra_context or {}
        extra_context["active_jobs"] = IngestionJob.objects.filter(
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).count()
        return super().changelist_view(request, extra_context)
