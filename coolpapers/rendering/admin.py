"""Staff write paper notes here, with a live preview rendered by the site's own renderer."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from .markdown import render_markdown
from .models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["title", "paper", "order", "author", "updated"]
    list_select_related = ["author"]
    search_fields = ["paper__arxiv_id", "title"]
    raw_id_fields = ["paper"]  # a select of millions of papers would not load
    fields = ["paper", "title", "body", "order", "author", "created", "updated"]
    readonly_fields = ["author", "created", "updated"]

    class Media:
        # math.js configures MathJax, so it comes before MathJax's startup.js.
        js = [
            "coolpapers/js/math.js",
            "vendor/mathjax/startup.js",
            "rendering/note-preview.js",
        ]
        css = {"all": ["rendering/note-preview.css"]}

    def get_urls(self) -> list[URLPattern]:
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        return [path("preview/", preview, name="rendering_note_preview"), *super().get_urls()]

    def get_form(
        self, request: HttpRequest, obj: Note | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        # note-preview.js finds the textarea by this attribute and posts its text there.
        form.base_fields["body"].widget.attrs["data-preview-url"] = reverse(
            "admin:rendering_note_preview"
        )
        return form

    def save_model(self, request: HttpRequest, obj: Note, form: ModelForm, change: bool) -> None:
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The posted Markdown as the paper page would show it (HTML safe for any input)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        html = render_markdown(request.POST.get("body", ""))
        return HttpResponse(html, content_type="text/html; charset=utf-8")
