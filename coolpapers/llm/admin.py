"""Staff see the day's token spending against the budget (read-only: the budget counts itself)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from coolpapers.llm import budget
from coolpapers.llm.models import ALL_CLIENTS, TokenUsage


@admin.register(TokenUsage)
class TokenUsageAdmin(admin.ModelAdmin):
    list_display = ["day", "who", "requests", "prompt_tokens", "completion_tokens", "total"]
    list_filter = ["day"]
    search_fields = ["client"]
    date_hierarchy = "day"
    change_list_template = "admin/llm/tokenusage/change_list.html"

    @admin.display(description="client")
    def who(self, row: TokenUsage) -> str:
        return "everyone (the day's total)" if row.client == ALL_CLIENTS else row.client

    @admin.display(description="tokens")
    def total(self, row: TokenUsage) -> str:
        return f"{row.total_tokens:,}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TokenUsage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TokenUsage | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        usage = budget.usage_today()
        share = f"{100 * usage['total_tokens'] / usage['limit']:.1f}" if usage["limit"] else ""
        # Thousands separated (6,452): the admin has no humanize here.
        shown = {k: f"{v:,}" if isinstance(v, int) else v for k, v in usage.items()}
        context = {
            "llm_usage": shown,
            "llm_usage_counts": usage,
            "llm_usage_share": share,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)
