"""Staff see every FAQ (paper, language, status, model, tokens, dates) and the day's token
budget, and can regenerate or delete answers; and start batches that write the FAQs of a
day's list ahead of readers, with progress and cancel like the other jobs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from coolpapers.jobs.admin import JobAdminMixin, JobOperation
from coolpapers.jobs.status import RESTARTABLE, JobStatus
from coolpapers.llm import budget
from coolpapers.papers.category_spec import InvalidSpec, parse_spec

from . import batch, services, tasks
from .models import FAQ, LANGUAGES, FAQBatchJob


@admin.register(FAQ)
class FAQAdmin(admin.ModelAdmin):
    list_display = [
        "paper",
        "version",
        "language",
        "status",
        "priority",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "requested_at",
        "finished_at",
    ]
    list_filter = ["status", "language", "priority", "model"]
    search_fields = ["paper__arxiv_id", "model"]
    raw_id_fields = ["paper"]  # a select of millions of papers would not load
    date_hierarchy = "requested_at"
    actions = ["regenerate"]
    readonly_fields = [
        "paper",
        "version",
        "language",
        "status",
        "priority",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "sources",
        "error",
        "client",
        "requested_at",
        "started_at",
        "finished_at",
        "attempts",
        "answer",
    ]
    exclude = ["markdown"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # FAQs are asked for from the paper's page or the API

    @admin.display(description="Answer (as readers see it)")
    def answer(self, obj: FAQ) -> str:
        return format_html('<div class="faq-body">{}</div>', obj.html and _safe(obj.rendered))

    @admin.action(description="Regenerate the selected FAQs")
    def regenerate(self, request: HttpRequest, queryset: QuerySet[FAQ]) -> None:
        count = 0
        for faq in queryset.select_related("paper"):
            services.regenerate(faq)
            count += 1
        self.message_user(request, f"{count} FAQ(s) queued to be written again.", messages.SUCCESS)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "budget": budget.usage_today()}
        return super().changelist_view(request, extra_context)


def _safe(html: str) -> Any:
    """The stored HTML came from the site's renderer (raw HTML off): safe to show as it is."""
    from django.utils.safestring import mark_safe

    return mark_safe(html)


# --- staff's batches: the FAQs of a day's list, ahead of readers ----------------------------


class FAQBatchJobForm(forms.ModelForm):
    """A category spec (as in a list's URL), a day (the latest announcement day unless
    changed) and the languages to write the FAQs in."""

    languages = forms.MultipleChoiceField(
        choices=LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        initial=["en"],
        help_text="One FAQ per paper in each language chosen",
    )

    class Meta:
        model = FAQBatchJob
        fields = ["spec", "day", "languages"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "day" in self.fields:
            self.fields["day"].initial = services.latest_day()

    def clean_spec(self) -> str:
        text = self.cleaned_data["spec"].strip()
        try:
            return str(parse_spec(text))
        except InvalidSpec as exc:
            raise forms.ValidationError(str(exc)) from exc


def cancel_batch(job: FAQBatchJob) -> str:
    dequeued = batch.cancel(job)
    return (
        f"Job #{job.pk} cancelled: {dequeued} queued FAQ(s) taken off the queue "
        "(FAQs being written finish)."
    )


def retry_batch(job: FAQBatchJob) -> str:
    tasks.start_batch(job)
    return f"Job #{job.pk} queued again (FAQs already written or under way are skipped)."


BATCH_OPERATIONS = (
    JobOperation(
        "cancel",
        "Cancel job",
        cancel_batch,
        lambda job: job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
    ),
    JobOperation("retry", "Retry", retry_batch, lambda job: job.status in RESTARTABLE),
)


@admin.register(FAQBatchJob)
class FAQBatchJobAdmin(JobAdminMixin, admin.ModelAdmin):
    form = FAQBatchJobForm
    job_operations = BATCH_OPERATIONS
    change_list_template = "admin/faq/faqbatchjob/change_list.html"
    list_display = ["id", "job", "status_badge", "progress_bar", "counts"]
    list_filter = ["status", "day"]
    actions = ["cancel_selected", "retry_selected"]
    # Status, progress, counts and error are in the job page's live block.
    readonly_fields = [
        "spec", "day", "language_names", "total", "created_by", "created_at", "started_at",
        "finished_at",
    ]  # fmt: skip

    class Media:
        js = ["vendor/htmx/htmx.min.js", "coolpapers/js/admin-jobs.js"]
        css = {"all": ["coolpapers/css/admin-jobs.css"]}

    def get_fields(self, request: HttpRequest, obj: FAQBatchJob | None = None):
        return self.readonly_fields if obj else ["spec", "day", "languages"]

    def get_readonly_fields(self, request: HttpRequest, obj: FAQBatchJob | None = None):
        return self.readonly_fields if obj else []

    def has_change_permission(self, request: HttpRequest, obj: FAQBatchJob | None = None) -> bool:
        # Jobs are read-only once created; the buttons and actions change them.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: FAQBatchJob, form, change: bool) -> None:
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        tasks.start_batch(obj)

    def job_counts(self, obj: FAQBatchJob) -> list[tuple[str, int]]:
        return [
            ("done", obj.done_count),
            ("failed", obj.failed_count),
            ("queued", obj.queued_count),
            ("skipped", obj.skipped_count),
            ("dequeued", obj.dequeued_count),
        ]

    def progress_note(self, obj: FAQBatchJob) -> str:
        return f"{obj.done_count + obj.failed_count:,} of {obj.total:,} FAQs"

    @admin.display(description="languages")
    def language_names(self, obj: FAQBatchJob) -> str:
        names = dict(LANGUAGES)
        return ", ".join(names.get(code, code) for code in obj.languages)

    @admin.display(description="job", ordering="created_at")
    def job(self, obj: FAQBatchJob) -> SafeString:
        languages = ", ".join(obj.languages)
        return self.job_cell(obj, "FAQs", f"{obj.spec} on {obj.day:%Y-%m-%d} ({languages})")

    @admin.action(description="Cancel selected jobs", permissions=["operate"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "cancel")

    @admin.action(
        description="Retry selected jobs (skips FAQs that exist)", permissions=["operate"]
    )
    def retry_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "retry")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "budget": budget.usage_today()}
        return super().changelist_view(request, extra_context)
