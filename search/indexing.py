"""Keeping the index in step with the database: batched updates, catch-up and consistency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from coolpapers.papers.models import Paper
from search.backends import get_backend
from search.documents import documents_for

BATCH = 1000


def index_papers(ids: Iterable[str]) -> int:
    """Write the current state of these papers to the index (deleted ones are removed)."""
    ids = list(dict.fromkeys(ids))
    backend = get_backend()
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        docs = documents_for(chunk)
        written += backend.index_documents(docs)
        gone = set(chunk) - {d.arxiv_id for d in docs}
        if gone:
            backend.delete(gone)
    return written


def reindex_changed_since(when: datetime) -> int:
    ids = list(Paper.objects.filter(modified_at__gte=when).values_list("pk", flat=True))
    return index_papers(ids) if ids else 0


@dataclass
class IndexDifferences:
    missing: list[str]  # in the database, not in the index
    stale: list[str]  # indexed with an older content hash
    orphans: list[str]  # in the index, not in the database

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.orphans)


def compare_index() -> IndexDifferences:
    indexed = get_backend().stored_hashes()
    missing, stale = [], []
    seen = set()
    for pk, content_hash in Paper.objects.values_list("pk", "content_hash").iterator(
        chunk_size=5000
    ):
        seen.add(pk)
        found = indexed.get(pk)
        if found is None:
            missing.append(pk)
        elif found != content_hash:
            stale.append(pk)
    orphans = sorted(set(indexed) - seen)
    return IndexDifferences(sorted(missing), sorted(stale), orphans)


def repair(differences: IndexDifferences) -> int:
    fixed = index_papers(differences.missing + differences.stale)
    if differences.orphans:
        fixed += get_backend().delete(differences.orphans)
    return fixed
