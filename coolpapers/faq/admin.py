"""Staff see every FAQ (paper, language, status, model, tokens, dates) and the day's token
budget, and can regenerate or delete answers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from coolpapers.llm import budget

from . import services
from .models import FAQ


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
