from django.contrib import admin

from coolpapers.papers.models import Announcement, Archive, Category, Paper, Version


class VersionInline(admin.TabularInline):
    model = Version
    extra = 0


class AnnouncementInline(admin.TabularInline):
    model = Announcement
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["arxiv_id", "title", "primary_category", "version", "announced", "updated"]
    list_filter = ["announced"]
    search_fields = ["arxiv_id", "title", "authors_search"]
    date_hierarchy = "announced"
    inlines = [VersionInline, AnnouncementInline]
    readonly_fields = ["content_hash", "created_at", "modified_at"]
    list_select_related = ["primary_category"]
    show_full_result_count = False


@admin.register(Archive)
class ArchiveAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "active"]
    list_filter = ["group", "active"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "archive", "active"]
    list_filter = ["active", "archive__group"]
    search_fields = ["code", "name"]
