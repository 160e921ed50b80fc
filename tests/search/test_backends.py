"""Choosing the backend: SEARCH_BACKEND as an alias or a dotted path, and a clear error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from search.backends import get_backend
from search.backends.base import IndexLocked
from search.backends.whoosh import WhooshBackend
from search.tasks import index_papers_task


@pytest.fixture(autouse=True)
def fresh_backend():
    get_backend.cache_clear()
    yield
    get_backend.cache_clear()


@pytest.mark.parametrize("name", ["whoosh", "search.backends.whoosh.WhooshBackend"])
def test_an_alias_or_a_dotted_path_names_the_backend(name, tmp_path):
    with override_settings(SEARCH_BACKEND=name, SEARCH_BACKEND_OPTIONS={"path": tmp_path}):
        backend = get_backend()
    assert isinstance(backend, WhooshBackend) and backend.root == tmp_path


@pytest.mark.parametrize(
    "name", ["elastic", "search.backends.nowhere.Backend", "search.backends.base.SearchRequest"]
)
def test_a_bad_backend_names_the_value_and_the_choices(name):
    with override_settings(SEARCH_BACKEND=name), pytest.raises(ImproperlyConfigured) as error:
        get_backend()
    message = str(error.value)
    assert repr(name) in message and "whoosh, tantivy" in message


def test_the_index_task_retries_a_locked_index():
    assert index_papers_task.autoretry_for == (IndexLocked,)


def test_a_query_of_many_words_is_not_relaxed():
    """Relaxing 70 common words (a 500-character query) took tantivy 2 s that its Rust search
    cannot stop midway; a pasted title (about 15 words) still is."""
    from search.backends.rewrite import MAX_RELAX_UNITS, Plan
    from search.query import Term

    def plan(n: int) -> Plan:
        return Plan(query=None, units=tuple(Term(None, f"w{i}") for i in range(n)))

    assert plan(15).relaxable and plan(MAX_RELAX_UNITS).relaxable
    assert not plan(MAX_RELAX_UNITS + 1).relaxable and not plan(1).relaxable
