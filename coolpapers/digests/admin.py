"""Staff see each day's dispatch and deliveries (what was sent, what failed and why)."""

from django.contrib import admin

from coolpapers.digests.models import Delivery, DigestSettings, Dispatch


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    list_display = ("day", "profiles", "chunks", "created_at", "swept_at")
    readonly_fields = ("day", "profiles", "chunks", "created_at", "swept_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("day", "collection", "status", "attempts", "sent_at")
    list_filter = ("status", "day")
    readonly_fields = ("collection", "day", "status", "papers", "attempts", "error", "sent_at")


@admin.register(DigestSettings)
class DigestSettingsAdmin(admin.ModelAdmin):
    list_display = ("collection", "enabled", "size", "last_sent_day")
    list_filter = ("enabled",)
    exclude = ("feed_token",)  # a reader's secret: staff need not see it
    readonly_fields = ("collection", "last_sent_day")
