"""Backend selection: SEARCH_BACKEND names a class (dotted path) or an alias, like CACHES."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from search.backends.base import SearchBackend

ALIASES = {
    "whoosh": "search.backends.whoosh.WhooshBackend",
    "tantivy": "search.backends.tantivy.TantivyBackend",
}


@cache
def get_backend() -> SearchBackend:
    """One backend per process (it keeps its searcher open between requests)."""
    name = settings.SEARCH_BACKEND
    choices = f"use one of {', '.join(ALIASES)} or the dotted path of a SearchBackend subclass"
    try:
        cls = import_string(ALIASES.get(name, name))
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"SEARCH_BACKEND {name!r} cannot be loaded ({exc}); {choices}"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, SearchBackend)):
        raise ImproperlyConfigured(f"SEARCH_BACKEND {name!r} is not a search backend; {choices}")
    return cls(**settings.SEARCH_BACKEND_OPTIONS)
