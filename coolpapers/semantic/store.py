"""Embeddings in the database, and each process's copy of them as one NumPy matrix.

A worker loads every current embedding once (float16 bytes into a float32 matrix, 1.5 KB
per paper), then before each unit of work reads only the rows computed since its last look.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np
from django.db.models import F, Q
from django.utils import timezone

from coolpapers.papers.models import Paper
from coolpapers.semantic.encoder import model_key
from coolpapers.semantic.models import PaperEmbedding

CHUNK = 2000
# Rows committed late by a slow transaction carry an earlier computed_at: look back this far.
SYNC_SLACK = timedelta(minutes=5)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(blobs: Sequence[bytes]) -> np.ndarray:
    """float16 blobs of equal length as a float32 matrix (0 x 0 when there are none)."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    joined = np.frombuffer(b"".join(bytes(b) for b in blobs), dtype=np.float16)
    return joined.reshape(len(blobs), -1).astype(np.float32)


def save(ids: Sequence[str], hashes: Sequence[str], vectors: np.ndarray) -> None:
    """Store (or replace) these papers' embeddings of the current model."""
    now = timezone.now()
    key = model_key()
    rows = [
        PaperEmbedding(paper_id=pid, model=key, content_hash=h, vector=to_bytes(v), computed_at=now)
        for pid, h, v in zip(ids, hashes, vectors, strict=True)
    ]
    PaperEmbedding.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["paper"],
        update_fields=["model", "content_hash", "vector", "computed_at"],
    )


def _stale(queryset):
    return queryset.annotate(
        stored_hash=F("embedding__content_hash"), stored_model=F("embedding__model")
    ).filter(
        Q(stored_hash__isnull=True)
        | ~Q(stored_hash=F("content_hash"))
        | ~Q(stored_model=model_key())
    )


def stale_ids(ids: Iterable[str] | None = None) -> list[str]:
    """Papers (of `ids`, or all) without an embedding of their current text and model."""
    papers = Paper.objects.all()
    if ids is None:
        return list(_stale(papers).order_by("pk").values_list("pk", flat=True))
    ids = list(ids)
    found: list[str] = []
    for start in range(0, len(ids), CHUNK):
        part = papers.filter(pk__in=ids[start : start + CHUNK])
        found.extend(_stale(part).values_list("pk", flat=True))
    return sorted(found)


def coverage() -> tuple[int, int]:
    """(embeddings of the configured model, papers): two counts cheap enough for /healthz
    (an embedding of a paper changed since still counts until it is recomputed)."""
    return PaperEmbedding.objects.filter(model=model_key()).count(), Paper.objects.count()


def vectors_for(ids: Iterable[str]) -> dict[str, np.ndarray]:
    """Current embeddings of these papers straight from the database (for web requests)."""
    ids = list(dict.fromkeys(ids))
    key = model_key()
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), CHUNK):
        rows = list(
            PaperEmbedding.objects.filter(
                paper_id__in=ids[start : start + CHUNK],
                model=key,
                content_hash=F("paper__content_hash"),
            ).values_list("paper_id", "vector")
        )
        matrix = from_bytes([blob for _, blob in rows])
        found.update((pid, matrix[i]) for i, (pid, _) in enumerate(rows))
    return found


class VectorMatrix:
    """Every current embedding in one float32 matrix: rows in `ids`, `row_of` the inverse."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.ids: list[str] = []
        self.hashes: list[str] = []
        self.row_of: dict[str, int] = {}
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self.synced: datetime | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def sync(self) -> None:
        """Read the rows computed since the last look (all of them the first time)."""
        rows = PaperEmbedding.objects.filter(model=self.model)
        if self.synced is not None:
            rows = rows.filter(computed_at__gte=self.synced - SYNC_SLACK)
        started = timezone.now()
        new_ids, new_hashes, blobs = [], [], []
        last = ""
        while True:
            part = list(
                rows.filter(paper_id__gt=last)
                .order_by("paper_id")
                .values_list("paper_id", "content_hash", "vector")[:20_000]
            )
            if not part:
                break
            for pid, content_hash, blob in part:
                new_ids.append(pid)
                new_hashes.append(content_hash)
                blobs.append(blob)
            last = part[-1][0]
        self.synced = started
        self.add(new_ids, new_hashes, from_bytes(blobs))

    def add(self, ids: list[str], hashes: list[str], vectors: np.ndarray) -> None:
        """Add rows, or replace the rows of papers already here."""
        if not ids:
            return
        if not len(self.ids):
            self.matrix = np.empty((0, vectors.shape[1]), dtype=np.float32)
        fresh = []
        for i, pid in enumerate(ids):
            row = self.row_of.get(pid)
            if row is None:
                fresh.append(i)
            else:
                self.matrix[row] = vectors[i]
                self.hashes[row] = hashes[i]
        if fresh:
            start = len(self.ids)
            self.matrix = np.vstack([self.matrix, vectors[fresh]])
            for offset, i in enumerate(fresh):
                self.ids.append(ids[i])
                self.hashes.append(hashes[i])
                self.row_of[ids[i]] = start + offset


_loaded: VectorMatrix | None = None
_lock = threading.Lock()


def matrix() -> VectorMatrix:
    """This process's matrix of the current model's embeddings, brought up to date."""
    global _loaded
    key = model_key()
    with _lock:
        if _loaded is None or _loaded.model != key:
            _loaded = VectorMatrix(key)
        _loaded.sync()
        return _loaded


def forget() -> None:
    """Drop this process's matrix (tests; a model change reloads it by itself)."""
    global _loaded
    with _lock:
        _loaded = None
