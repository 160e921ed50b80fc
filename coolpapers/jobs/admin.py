"""What every job list in the admin shows and does alike: status, progress, duration,
batch actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from coolpapers.jobs.status import JobStateError


class JobAdminMixin:
    """For ModelAdmins of job models with status, error, started_at and finished_at."""

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Any) -> str:
        return format_html(
            '<span class="job-status job-{}" title="{}">{}</span>',
            obj.status,
            obj.error or obj.status,
            obj.status,
        )

    @admin.display(description="duration")
    def duration(self, obj: Any) -> str:
        if not obj.started_at:
            return "-"
        return f"{((obj.finished_at or timezone.now()) - obj.started_at).total_seconds():.1f}s"

    def _progress(self, obj: Any, counts: str) -> str:
        """The job's progress bar (animated while it is active), percentage and `counts`."""
        return format_html(
            '<progress max="100" value="{}" class="{}"></progress> {}% ({})',
            obj.percent,
            "job-active" if obj.is_active else "",
            obj.percent,
            counts,
        )

    def _each(
        self, request: HttpRequest, queryset: QuerySet, action: Callable[[Any], None], verb: str
    ) -> None:
        """Apply `action` to each selected job; a job in the wrong state is a warning."""
        for job in queryset:
            try:
                action(job)
            except JobStateError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, f"Job #{job.pk} {verb}.", messages.SUCCESS)
