"""A writer killed while it holds the index's write lock leaves the lock file behind; the next
writer must get in at once (Whoosh's lock is an fcntl lock, which dies with its process), and
nothing the dead writer had not committed may appear."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh.util.filelock import FileLock

from search.backends import get_backend
from search.documents import documents_for

pytestmark = pytest.mark.integration

# A writer in another process: takes the lock, adds documents, never commits.
HOLDER = """
import sys, time
from whoosh.index import open_dir
writer = open_dir(sys.argv[1]).writer()
for n in range(50):
    writer.add_document(id=f"ghost-{n}", title="never committed")
print("holding", flush=True)
time.sleep(600)
"""


def write_lock(index_dir: Path) -> Path:
    return index_dir / "MAIN_WRITELOCK"


def is_locked(lock_file: Path) -> bool:
    lock = FileLock(str(lock_file))
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


def test_next_writer_recovers_the_lock_of_a_killed_one(index, papers):
    backend = get_backend()
    index_dir = backend.root / backend._current_generation()
    before = backend.document_count()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(index_dir)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert is_locked(write_lock(index_dir))
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    assert write_lock(index_dir).exists()  # the file stays; the lock on it does not

    start = time.monotonic()
    written = backend.index_documents(documents_for(["0704.0001"]))
    assert time.monotonic() - start < 5  # not the 120 s wait for a live writer

    assert written == 1
    assert not is_locked(write_lock(index_dir))
    assert backend.document_count() == before
    hashes = backend.stored_hashes()
    assert not any(arxiv_id.startswith("ghost-") for arxiv_id in hashes)
