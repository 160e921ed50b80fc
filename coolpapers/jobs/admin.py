"""What every job list and job page in the admin shows and does alike: status, progress and
counts that update in place (htmx polls a small fragment while a job is active), Cancel,
Retry and Resume buttons on the job's own page, and the same as list actions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from coolpapers.jobs.status import JobStateError, JobStatus

POLL_SECONDS = 2  # how often an open list or job page asks for its active jobs' progress
POLL_LIMIT = 200  # jobs one poll asks about (a list page shows 100 by default)
OOB = mark_safe(' hx-swap-oob="true"')


@dataclass(frozen=True)
class JobOperation:
    """A button on the job's page, and a list action: cancel, retry, resume."""

    name: str  # in the URL: <pk>/<name>/
    label: str
    run: Callable[[Any], str]  # does it; returns what to tell staff
    applies: Callable[[Any], bool]  # whether the job's page offers it now


def human_duration(seconds: float) -> str:
    """3.2 s, 4 min 12 s, 2 h 5 min: what a glance at a job list needs."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class JobAdminMixin:
    """For ModelAdmins of job models with status, error, created_at, started_at and
    finished_at. A subclass names its counts (job_counts), its progress note and its
    operations; templates under admin/jobs/ (in coolpapers/jobs/templates) do the rest."""

    job_operations: tuple[JobOperation, ...] = ()
    change_form_template = "admin/jobs/change_form.html"
    change_list_template = "admin/jobs/change_list.html"

    # --- what a job shows ------------------------------------------------------------------

    def job_counts(self, obj: Any) -> list[tuple[str, int]]:
        """(label, number) pairs, e.g. created 12, rejected 1."""
        raise NotImplementedError

    def progress_note(self, obj: Any) -> str:
        """What the percentage is of, e.g. "13,116 records" or "512 of 2,000 papers"."""
        raise NotImplementedError

    def _element_id(self, obj: Any, part: str) -> str:
        return f"{self.opts.model_name}-{obj.pk}-{part}"

    def _status_html(self, obj: Any, oob: bool = False) -> SafeString:
        label = JobStatus(obj.status).label if obj.status in JobStatus.values else obj.status
        return format_html(
            '<span id="{}" class="job-status job-{}" title="{}"{}>{}</span>',
            self._element_id(obj, "status"),
            obj.status,
            obj.error or label,
            OOB if oob else "",
            label,
        )

    def _progress_html(self, obj: Any, oob: bool = False) -> SafeString:
        note = self.progress_note(obj)
        return format_html(
            '<span id="{}" class="job-progress"{}>'
            '<progress max="100" value="{}" class="{}" aria-label="Job #{} progress">{}%</progress>'
            '<span class="job-percent">{}%</span>'
            '<span class="job-note">{}</span><span class="job-duration">{}</span></span>',
            self._element_id(obj, "progress"),
            OOB if oob else "",
            obj.percent,
            "job-active" if obj.is_active else "",
            obj.pk,
            obj.percent,
            obj.percent,
            note,
            self._duration_text(obj),
        )

    def _counts_html(self, obj: Any, oob: bool = False) -> SafeString:
        items = format_html_join(
            "",
            '<span class="job-count job-count-{}{}"><b>{}</b> {}</span>',
            (
                (label.replace(" ", "-"), "" if value else " job-count-zero", f"{value:,}", label)
                for label, value in self.job_counts(obj)
            ),
        )
        return format_html(
            '<span id="{}" class="job-counts"{}>{}</span>',
            self._element_id(obj, "counts"),
            OOB if oob else "",
            items,
        )

    def _duration_text(self, obj: Any) -> str:
        if not obj.started_at:
            return "not started"
        return human_duration(
            ((obj.finished_at or timezone.now()) - obj.started_at).total_seconds()
        )

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Any) -> SafeString:
        return self._status_html(obj)

    @admin.display(description="progress")
    def progress_bar(self, obj: Any) -> SafeString:
        return self._progress_html(obj)

    @admin.display(description="records")
    def counts(self, obj: Any) -> SafeString:
        return self._counts_html(obj)

    @admin.display(description="duration")
    def duration(self, obj: Any) -> str:
        return self._duration_text(obj)

    def job_cell(self, obj: Any, kind: str, source: str) -> SafeString:
        """The list's job column: kind, source (one line, ellipsised, the whole in title=)
        and when and by whom it was created."""
        when = timezone.localtime(obj.created_at)
        by = getattr(obj, "created_by", None)
        return format_html(
            '<span class="job-kind">{}</span><span class="job-source" title="{}">{}</span>'
            '<span class="job-when"><time datetime="{}">{}</time>{}</span>',
            kind,
            source,
            source,
            when.isoformat(),
            when.strftime("%d %b %Y %H:%M"),
            format_html(" by {}", by) if by else "",
        )

    # --- permissions and operations -------------------------------------------------------

    def has_operate_permission(self, request: HttpRequest) -> bool:
        """Cancel, retry and resume change a job: the model's change permission (a job
        admin's has_change_permission refuses editing a job's fields, which is another
        thing). Also what list actions with permissions=["operate"] check."""
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def _operation(self, name: str) -> JobOperation:
        for operation in self.job_operations:
            if operation.name == name:
                return operation
        raise Http404(f"no job operation {name!r}")

    def operations_for(self, request: HttpRequest, obj: Any) -> list[JobOperation]:
        if not self.has_operate_permission(request):
            return []
        return [op for op in self.job_operations if op.applies(obj)]

    def _each(self, request: HttpRequest, queryset: QuerySet, name: str) -> None:
        """Apply an operation to each selected job; a job in the wrong state is a warning."""
        operation = self._operation(name)
        for job in queryset:
            try:
                message = operation.run(job)
            except JobStateError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, message, messages.SUCCESS)

    def operate_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        """POST <pk>/<operation>/ from a button on the job's page; back to that page."""
        operation = self._operation(name)
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        if not self.has_operate_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"no job #{object_id}")
        try:
            message = operation.run(obj)
        except JobStateError as exc:
            self.message_user(request, str(exc), messages.WARNING)
        else:
            self.message_user(request, message, messages.SUCCESS)
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))

    # --- in-place progress -----------------------------------------------------------------

    def _url_name(self, what: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{what}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        operations = [
            path(
                f"<path:object_id>/{op.name}/",
                wrap(self.operate_view),
                {"name": op.name},
                name=self._url_name(op.name),
            )
            for op in self.job_operations
        ]
        return [
            path("progress/", wrap(self.rows_progress_view), name=self._url_name("progress")),
            path(
                "<path:object_id>/progress/",
                wrap(self.job_progress_view),
                name=self._url_name("job_progress"),
            ),
            *operations,
            *super().get_urls(),
        ]

    def _poll_url(self, jobs: Iterable[Any]) -> str:
        """The list's poll while one of `jobs` is active ("" stops polling); the statuses
        it saw go with it, so the answer announces the jobs whose status changed."""
        jobs = list(jobs)
        if not any(job.is_active for job in jobs):
            return ""
        seen = ",".join(f"{job.pk}.{job.status}" for job in jobs[:POLL_LIMIT])
        return f"{reverse('admin:' + self._url_name('progress'))}?{urlencode({'seen': seen})}"

    def _job_poll_url(self, obj: Any) -> str:
        if not obj.is_active:
            return ""
        url = reverse("admin:" + self._url_name("job_progress"), args=[obj.pk])
        return f"{url}?{urlencode({'seen': obj.status})}"

    @staticmethod
    def _seen(request: HttpRequest) -> dict[str, str]:
        seen: dict[str, str] = {}
        for item in request.GET.get("seen", "").split(",")[:POLL_LIMIT]:
            pk, _, status = item.partition(".")
            if pk.isdigit():
                seen[pk] = status
        return seen

    def rows_progress_view(self, request: HttpRequest) -> HttpResponse:
        """The list rows' status, progress and counts cells (swapped in place by htmx), and
        the poller itself, which stops once none of the jobs is active."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        seen = self._seen(request)
        jobs = list(self.get_queryset(request).filter(pk__in=list(seen)).order_by("-pk"))
        changed = [job for job in jobs if seen.get(str(job.pk)) != job.status]
        html = render_to_string(
            "admin/jobs/rows_progress.html",
            {
                "poll_url": self._poll_url(jobs),
                "poll_seconds": POLL_SECONDS,
                "cells": [
                    self._status_html(job, oob=True)
                    + self._progress_html(job, oob=True)
                    + self._counts_html(job, oob=True)
                    for job in jobs
                ],
                "announce_id": f"{self.opts.model_name}-announce",
                "changed": changed,
            },
            request=request,
        )
        return _fragment(html)

    def job_state_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {
            "job": obj,
            "job_element": self._element_id(obj, "state"),
            "job_operations_id": self._element_id(obj, "operations"),
            "announce_id": f"{self.opts.model_name}-announce",
            "poll_url": self._job_poll_url(obj),
            "poll_seconds": POLL_SECONDS,
            "status_html": self._status_html(obj),
            "progress_html": self._progress_html(obj),
            "counts_html": self._counts_html(obj),
            "duration": self._duration_text(obj),
            "operations": [
                (op, reverse("admin:" + self._url_name(op.name), args=[obj.pk]))
                for op in self.operations_for(request, obj)
            ],
        }

    def job_progress_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The job page's progress block; the buttons too when the status changed."""
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"no job #{object_id}")
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        context = self.job_state_context(request, obj)
        context["changed"] = request.GET.get("seen") != obj.status
        return _fragment(render_to_string("admin/jobs/job_progress.html", context, request))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and "cl" in (response.context_data or {}):
            jobs = response.context_data["cl"].result_list
            response.context_data["poll_url"] = self._poll_url(jobs)
            response.context_data["poll_seconds"] = POLL_SECONDS
            response.context_data["announce_id"] = f"{self.opts.model_name}-announce"
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None:
            extra.update(self.job_state_context(request, obj))
            # Not str(obj), which ends with a status that would go stale as the job runs.
            extra["subtitle"] = f"Job #{obj.pk}"
        return super().change_view(request, object_id, form_url, extra)


def _fragment(html: str) -> HttpResponse:
    """An htmx answer (admin_view marks it never_cache: a poll never shows a stale state)."""
    return HttpResponse(html)
