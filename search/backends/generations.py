"""Index generations on disk, shared by the backends that rebuild by swapping directories.

    <root>/CURRENT          the generation in use (replaced atomically)
    <root>/<generation>/    one complete index

A rebuild writes a new generation and swaps CURRENT, so a reader never sees a half-written
index; the generation before the current one is kept for readers still on it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path


class IndexGenerations:
    """Mixed into a backend that sets `self.root`."""

    root: Path

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _current_generation(self) -> str | None:
        try:
            return self._pointer.read_text().strip() or None
        except FileNotFoundError:
            return None

    def _swap(self, generation: str) -> None:
        tmp = self.root / f".CURRENT.{uuid.uuid4().hex}"
        tmp.write_text(generation)
        os.replace(tmp, self._pointer)

    def _new_generation(self) -> tuple[str, Path]:
        # Names sort in creation order (microseconds), which _prune relies on.
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:6]}"
        path = self.root / name
        path.mkdir(parents=True)
        return name, path

    def _prune(self, keep: set[str]) -> None:
        """Drop old generations; the one before the current stays for readers still on it."""
        generations = sorted(p for p in self.root.iterdir() if p.is_dir())
        for path in generations[:-2]:
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
