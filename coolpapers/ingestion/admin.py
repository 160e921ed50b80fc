"""Staff run and watch ingestion jobs here: create, cancel, retry, resume, harvest today."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.safestring import SafeString

from coolpapers.ingestion.control import (
    cancel_job,
    is_stranded,
    resume_job,
    retry_job,
    start_job,
)
from coolpapers.ingestion.forms import IngestionJobForm
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.jobs.admin import JobAdminMixin, JobOperation
from coolpapers.jobs.status import RESTARTABLE, JobStatus

# What the list's narrow job column says of the kind (the filter has the long labels).
SHORT_KINDS = {
    JobKind.FILE: "File",
    JobKind.UPLOAD: "Upload",
    JobKind.OAI: "OAI-PMH",
    JobKind.API_IDS: "API ids",
    JobKind.API_QUERY: "API query",
    JobKind.TODAY: "Today",
}


def cancel(job: IngestionJob) -> str:
    if cancel_job(job) == JobStatus.CANCELLING:
        return (
            f"Job #{job.pk} is cancelling: its worker stops before storing another batch, "
            "then the job shows as cancelled."
        )
    return f"Job #{job.pk} cancelled."


def retry(job: IngestionJob) -> str:
    retry_job(job)
    return f"Job #{job.pk} queued again from the start."


def resume(job: IngestionJob) -> str:
    resume_job(job)
    return f"Job #{job.pk} resumed from its checkpoint."


def resumable(job: IngestionJob) -> bool:
    return job.status in RESTARTABLE or (
        job.status == JobStatus.RUNNING and not job.cancel_requested and is_stranded(job)
    )


OPERATIONS = (
    JobOperation(
        "cancel",
        "Cancel job",
        cancel,
        lambda job: job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
    ),
    JobOperation("retry", "Retry from the start", retry, lambda job: job.status in RESTARTABLE),
    JobOperation("resume", "Resume from the checkpoint", resume, resumable),
)


@admin.register(IngestionJob)
class IngestionJobAdmin(JobAdminMixin, admin.ModelAdmin):
    form = IngestionJobForm
    job_operations = OPERATIONS
    change_list_template = "admin/ingestion/ingestionjob/change_list.html"
    list_display = ["id", "job", "status_badge", "progress_bar", "counts"]
    list_filter = ["status", "kind"]
    actions = ["cancel_selected", "retry_selected", "resume_selected"]
    # The job page's live block (coolpapers/jobs/templates/admin/jobs) shows status,
    # progress, counts and error; these are the facts that do not change while it runs.
    readonly_fields = [
        "kind",
        "source",
        "params",
        "checkpoint",
        "log",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "celery_task_id",
        "cancel_requested",
    ]

    class Media:
        js = ["vendor/htmx/htmx.min.js", "coolpapers/js/admin-jobs.js"]
        css = {"all": ["coolpapers/css/admin-jobs.css"]}

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
        # Jobs are read-only once created; the buttons and actions change them.
        return obj is None and super().has_change_permission(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: IngestionJob | None = None) -> bool:
        return request.user.is_staff and request.user.has_perm("ingestion.view_ingestionjob")

    def save_model(self, request: HttpRequest, obj: IngestionJob, form, change: bool) -> None:
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        start_job(obj)

    def job_counts(self, obj: IngestionJob) -> list[tuple[str, int]]:
        return [
            ("created", obj.created_count),
            ("updated", obj.updated_count),
            ("unchanged", obj.unchanged_count),
            ("rejected", obj.rejected_count),
        ]

    def progress_note(self, obj: IngestionJob) -> str:
        return f"{obj.processed_count:,} records"

    @admin.display(description="source")
    def source(self, obj: IngestionJob) -> str:
        return obj.describe_source()

    @admin.display(description="job", ordering="created_at")
    def job(self, obj: IngestionJob) -> SafeString:
        return self.job_cell(obj, SHORT_KINDS.get(obj.kind, obj.kind), obj.describe_source())

    @admin.action(description="Cancel selected jobs", permissions=["operate"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "cancel")

    @admin.action(description="Retry selected jobs from the start", permissions=["operate"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "retry")

    @admin.action(description="Resume selected jobs from their checkpoint", permissions=["operate"])
    def resume_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "resume")

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
