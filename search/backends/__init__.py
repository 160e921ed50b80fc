"""Backend selection: SEARCH_BACKEND names a class (dotted path) or an alias, like CACHES."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from search.backends.base import SearchBackend

ALIASES = {
    "whoosh": "search.backends.whoosh.WhooshBackend",
    "tantivy": "search.backends.tantivy.TantivyBackend",
}


@cache
def get_backend() -> SearchBackend:
    """One backend per process (it keeps its searcher open between requests)."""
    name = getattr(settings, "SEARCH_BACKEND", "whoosh")
    cls = import_string(ALIASES.get(name, name))
    return cls(**getattr(settings, "SEARCH_BACKEND_OPTIONS", {}))
