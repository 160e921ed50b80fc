"""Template filters for arXiv text. Until the Rendering issue lands, text is shown escaped."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def tex(text: str) -> SafeString:
    """Title or abstract with TeX, as HTML (for now: escaped plain text)."""
    return escape(text or "")
