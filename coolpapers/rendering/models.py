"""Paper notes: questions about a paper answered in Markdown with LaTeX (the FAQ)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from coolpapers.papers.models import Paper

from .markdown import render_markdown
from .tex import RENDERER_VERSION


class Note(models.Model):
    """One question and its answer. The HTML is rendered on save and kept with the renderer
    version that made it, so pages never render Markdown while a reader waits."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="notes")
    title = models.CharField(max_length=300, help_text="The question this note answers")
    body = models.TextField(
        help_text="Markdown; formulas as $…$, $$…$$, \\(…\\), \\[…\\] or \\begin{align}…"
    )
    html = models.TextField(editable=False, blank=True)
    html_version = models.CharField(max_length=16, editable=False, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="paper_notes",
    )
    order = models.PositiveIntegerField(default=0, help_text="Notes show in this order")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["paper", "order", "id"]
        indexes = [models.Index(fields=["paper", "order"])]

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.html = render_markdown(self.body)
        self.html_version = RENDERER_VERSION
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "html", "html_version"}
        super().save(*args, **kwargs)

    @property
    def rendered(self) -> str:
        """The body as HTML; rendered again (and stored) when a newer renderer came since."""
        if self.html_version != RENDERER_VERSION:
            self.html = render_markdown(self.body)
            self.html_version = RENDERER_VERSION
            Note.objects.filter(pk=self.pk).update(html=self.html, html_version=RENDERER_VERSION)
        return self.html
