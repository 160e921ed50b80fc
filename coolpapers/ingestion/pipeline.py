"""Upserts reader records into the database in batches: idempotent, merging, history-keeping.

A record may come from a source that knows less than what is stored (a daily feed has no
version dates, the corpus has no DOI): empty fields never erase stored ones, an older version
never overwrites a newer one, and versions and announcements accumulate. A record the database
refuses (build_record should have stopped it) is rejected alone; the rest of its batch is stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db import DataError, IntegrityError, transaction

from coolpapers.ingestion.records import PaperRecord, RejectedRecord
from coolpapers.papers.announcements import ANNOUNCE_CROSS, ANNOUNCE_NEW
from coolpapers.papers.models import (
    Announcement,
    Archive,
    Category,
    Paper,
    PaperCategory,
    Version,
)
from coolpapers.papers.schedule import announcement_date
from coolpapers.papers.taxonomy import ARCHIVE_BY_CODE, CATEGORY_BY_CODE
from coolpapers.papers.text import fold

log = logging.getLogger(__name__)

# What the database raises when it refuses the data itself (a NUL, a number out of range, a
# constraint). Any other error (a lost connection, a deadlock) fails the batch, to be retried.
REFUSALS = (DataError, IntegrityError)
TEXT_FIELDS = (
    "title",
    "abstract",
    "comments",
    "journal_ref",
    "doi",
    "report_no",
    "license",
    "msc_class",
    "acm_class",
)


@dataclass
class PaperState:
    """Everything stored about one paper, in a form that compares and hashes cheaply."""

    fields: dict[str, str]
    authors: list[str]
    categories: list[str]
    version: int
    versions: dict[int, tuple[datetime, str]] = field(default_factory=dict)
    submitted: datetime | None = None
    updated: datetime | None = None
    announcements: dict[date, str] = field(default_factory=dict)

    def digest(self) -> str:
        payload = {
            "f": self.fields,
            "a": self.authors,
            "c": self.categories,
            "v": self.version,
            "vs": {str(n): [d.isoformat(), s] for n, (d, s) in sorted(self.versions.items())},
            "s": self.submitted.isoformat() if self.submitted else None,
            "u": self.updated.isoformat() if self.updated else None,
            "an": {d.isoformat(): k for d, k in sorted(self.announcements.items())},
        }
        return hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    @property
    def announced(self) -> date | None:
        return min(self.announcements) if self.announcements else None


@dataclass
class BatchResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)

    @property
    def changed_ids(self) -> list[str]:
        return self.created + self.updated


def _record_version(record: PaperRecord) -> int | None:
    if record.versions:
        return max(v.number for v in record.versions)
    return record.version


def merge(state: PaperState | None, record: PaperRecord) -> PaperState:
    """Apply a record on top of what is stored (or on nothing, for a new paper)."""
    incoming = _record_version(record)
    if state is None:
        state = PaperState(
            fields={name: "" for name in TEXT_FIELDS},
            authors=[],
            categories=[],
            version=incoming or 1,
        )
        older = False
    else:
        state = PaperState(
            fields=dict(state.fields),
            authors=list(state.authors),
            categories=list(state.categories),
            version=state.version,
            versions=dict(state.versions),
            submitted=state.submitted,
            updated=state.updated,
            announcements=dict(state.announcements),
        )
        older = incoming is not None and incoming < state.version

    for name in TEXT_FIELDS:
        value = getattr(record, name)
        if value and (not older or not state.fields[name]):
            state.fields[name] = value
    if record.authors and (not older or not state.authors):
        state.authors = list(record.authors)
    if record.categories and (not older or not state.categories):
        state.categories = list(record.categories)

    for v in record.versions:
        if v.number not in state.versions or not older:
            state.versions[v.number] = (
                v.submitted,
                v.size or state.versions.get(v.number, ("", ""))[1],
            )
    state.version = max(state.version, incoming or 0, *state.versions.keys(), 1)

    if state.versions:
        state.submitted = state.versions[min(state.versions)][0]
        state.updated = state.versions[max(state.versions)][0]
    else:
        if record.submitted and (state.submitted is None or record.submitted < state.submitted):
            state.submitted = record.submitted
        if record.updated and (state.updated is None or record.updated > state.updated):
            state.updated = record.updated
        if state.updated is None:
            state.updated = state.submitted

    _merge_announcement(state, record)
    return state


def _merge_announcement(state: PaperState, record: PaperRecord) -> None:
    """At most one "new" per paper: a source's date replaces a derived one; cross-lists and
    replacements add days of their own."""
    if record.announced is None:
        if not state.announcements and state.submitted is not None:
            state.announcements[announcement_date(state.submitted)] = ANNOUNCE_NEW
        return
    day, kind = record.announced, record.announce_kind
    if kind == ANNOUNCE_NEW:
        for existing_day, existing_kind in list(state.announcements.items()):
            if existing_kind == ANNOUNCE_NEW and existing_day != day:
                del state.announcements[existing_day]
        state.announcements[day] = ANNOUNCE_NEW
    elif state.announcements.get(day) != ANNOUNCE_NEW:
        if kind == ANNOUNCE_CROSS and ANNOUNCE_NEW in state.announcements.values():
            first_new = min(d for d, k in state.announcements.items() if k == ANNOUNCE_NEW)
            if day == first_new:
                return
        state.announcements[day] = kind


def _load_states(ids: list[str]) -> tuple[dict[str, Paper], dict[str, PaperState]]:
    papers = Paper.objects.in_bulk(ids)
    if not papers:
        return {}, {}
    present = list(papers)
    categories: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for paper_id, code, position in PaperCategory.objects.filter(paper_id__in=present).values_list(
        "paper_id", "category_id", "position"
    ):
        categories[paper_id].append((position, code))
    versions: dict[str, dict[int, tuple[datetime, str]]] = defaultdict(dict)
    for paper_id, number, submitted, size in Version.objects.filter(
        paper_id__in=present
    ).values_list("paper_id", "number", "submitted", "size"):
        versions[paper_id][number] = (submitted.astimezone(UTC), size)
    announcements: dict[str, dict[date, str]] = defaultdict(dict)
    for paper_id, day, kind in Announcement.objects.filter(paper_id__in=present).values_list(
        "paper_id", "date", "kind"
    ):
        announcements[paper_id][day] = kind
    states = {}
    for pid, paper in papers.items():
        states[pid] = PaperState(
            fields={name: getattr(paper, name) for name in TEXT_FIELDS},
            authors=list(paper.authors),
            categories=[code for _, code in sorted(categories[pid])],
            version=paper.version,
            versions=versions[pid],
            submitted=paper.submitted.astimezone(UTC) if paper.submitted else None,
            updated=paper.updated.astimezone(UTC) if paper.updated else None,
            announcements=announcements[pid],
        )
    return papers, states


def _ensure_categories(codes: set[str]) -> None:
    """Create the taxonomy's categories a database lacks (one loaded before the taxonomy grew).
    build_record lets no other code through: any other is a bug, and fails the batch."""
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    for code in sorted(codes - known):
        if code not in CATEGORY_BY_CODE:
            raise ValueError(f"{code!r} is not an arXiv category")
        category = CATEGORY_BY_CODE[code]
        archive = ARCHIVE_BY_CODE[category.archive]
        Archive.objects.get_or_create(
            code=archive.code,
            defaults={"name": archive.name, "group": archive.group, "active": archive.active},
        )
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": category.name,
                "archive_id": archive.code,
                "active": category.active,
            },
        )


def _apply(paper: Paper, pid: str, state: PaperState) -> None:
    for name, value in state.fields.items():
        setattr(paper, name, value)
    paper.arxiv_id = pid
    paper.authors = state.authors
    paper.authors_search = " ; ".join(fold(a) for a in state.authors)
    paper.primary_category_id = state.categories[0]
    paper.version = state.version
    paper.submitted = state.submitted
    paper.updated = state.updated
    paper.announced = state.announced
    paper.content_hash = state.digest()


def upsert_records(records: Sequence[PaperRecord]) -> BatchResult:
    """Store a batch in one transaction; returns which papers were created, changed or refused.

    When the database refuses the batch, it is redone one paper at a time, each in a savepoint,
    so that only the papers it refuses are rejected (with the database's reason)."""
    by_id: dict[str, list[PaperRecord]] = {}
    for record in records:
        by_id.setdefault(record.arxiv_id, []).append(record)
    if not by_id:
        return BatchResult()
    try:
        with transaction.atomic():
            return _upsert(by_id)
    except REFUSALS as exc:
        log.warning("the database refused a batch (%s); storing it paper by paper", exc)
    result = BatchResult()
    for pid, recs in by_id.items():
        try:
            with transaction.atomic():
                one = _upsert({pid: recs})
        except REFUSALS as exc:
            result.rejected.append(_refused(pid, exc))
            continue
        result.created += one.created
        result.updated += one.updated
        result.unchanged += one.unchanged
    return result


def _refused(pid: str, exc: Exception) -> RejectedRecord:
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return RejectedRecord(pid, f"refused by the database: {type(exc).__name__}: {first_line}")


def _upsert(by_id: dict[str, list[PaperRecord]]) -> BatchResult:
    """Merge each paper's records into what is stored and write the papers that changed."""
    result = BatchResult()
    ids = list(by_id)
    papers, stored = _load_states(ids)
    new_states: dict[str, PaperState] = {}
    for pid, recs in by_id.items():
        state = stored.get(pid)
        for record in recs:
            state = merge(state, record)
        assert state is not None
        if pid in stored and state.digest() == papers[pid].content_hash:
            result.unchanged += 1
            continue
        new_states[pid] = state
    if not new_states:
        return result

    _ensure_categories({code for s in new_states.values() for code in s.categories})
    to_create: list[Paper] = []
    to_update: list[Paper] = []
    for pid, state in new_states.items():
        if pid in papers:
            paper = papers[pid]
            _apply(paper, pid, state)
            to_update.append(paper)
            result.updated.append(pid)
        else:
            paper = Paper()
            _apply(paper, pid, state)
            to_create.append(paper)
            result.created.append(pid)
    now = datetime.now(UTC)
    for paper in to_create:
        paper.created_at = paper.modified_at = now
    Paper.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        for paper in to_update:
            paper.modified_at = now
        Paper.objects.bulk_update(
            to_update,
            [
                *TEXT_FIELDS,
                "authors",
                "authors_search",
                "primary_category",
                "version",
                "submitted",
                "updated",
                "announced",
                "content_hash",
                "modified_at",
            ],
            batch_size=500,
        )
        updated_ids = [p.arxiv_id for p in to_update]
        PaperCategory.objects.filter(paper_id__in=updated_ids).delete()
        Version.objects.filter(paper_id__in=updated_ids).delete()
        Announcement.objects.filter(paper_id__in=updated_ids).delete()

    PaperCategory.objects.bulk_create(
        [
            PaperCategory(paper_id=pid, category_id=code, position=i)
            for pid, state in new_states.items()
            for i, code in enumerate(state.categories)
        ],
        batch_size=1000,
    )
    Version.objects.bulk_create(
        [
            Version(paper_id=pid, number=n, submitted=sub, size=size)
            for pid, state in new_states.items()
            for n, (sub, size) in sorted(state.versions.items())
        ],
        batch_size=1000,
    )
    Announcement.objects.bulk_create(
        [
            Announcement(paper_id=pid, date=day, kind=kind)
            for pid, state in new_states.items()
            for day, kind in sorted(state.announcements.items())
        ],
        batch_size=1000,
    )
    return result
