"""Template filters and tags for arXiv text and paper notes."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet
from django.utils.safestring import SafeString

from coolpapers.papers.models import Paper
from coolpapers.rendering.models import Note
from coolpapers.rendering.tex import render_cached

register = template.Library()


@register.filter
def tex(text: str | None) -> SafeString:
    """A title or abstract with TeX as HTML: formulas in math spans for MathJax, the text
    escaped with its text-mode TeX (\\emph, --, \\"o, URLs) as HTML. Cached per text."""
    return render_cached(text or "")


@register.simple_tag
def paper_notes(paper: Paper) -> QuerySet[Note]:
    """The paper's notes in their order (`{% paper_notes paper as notes %}`)."""
    return Note.objects.filter(paper=paper).order_by("order", "id")
