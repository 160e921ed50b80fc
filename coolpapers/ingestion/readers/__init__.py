"""File readers by format, and detection of a file's format from its name and first bytes."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError

from . import abs as abs_reader
from . import atom, jsonl, kaggle, oai, rss

Reader = Callable[[BinaryIO, str], Iterator[PaperRecord | RejectedRecord]]
FORMATS = ("auto", "oai", "atom", "rss", "kaggle", "jsonl", "abs")
_HEAD = 4096


@contextmanager
def open_source(path: Path) -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """Yield (decoded stream, raw file); the raw file's position measures progress."""
    raw = open(path, "rb")  # noqa: SIM115 (closed below)
    try:
        if raw.read(2) == b"\x1f\x8b" and not path.name.endswith((".tar.gz", ".tgz")):
            raw.seek(0)
            yield gzip.GzipFile(fileobj=raw, mode="rb"), raw
        else:
            raw.seek(0)
            yield raw, raw
    finally:
        raw.close()


def _peek(stream: BinaryIO) -> bytes:
    head = stream.read(_HEAD)
    stream.seek(0)
    return head


def detect_format(path: Path, stream: BinaryIO) -> str:
    """Guess a reader from the name, then from the first bytes; SourceError when nothing fits."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".tar", ".tgz")) or path.name.lower().endswith(".tar.gz"):
        return "abs"
    if name.endswith(".abs"):
        return "abs"
    if name.endswith(".csv"):
        return "kaggle"
    try:
        head = _peek(stream)
    except (OSError, EOFError) as exc:
        raise SourceError(str(path), "byte 0", f"cannot read: {exc}") from exc
    for fmt, module in (
        ("oai", oai),
        ("rss", rss),
        ("atom", atom),
        ("jsonl", jsonl),
        ("kaggle", kaggle),
        ("abs", abs_reader),
    ):
        if module.looks_like(head):
            return fmt
    raise SourceError(
        str(path), "byte 0", "unknown format (not OAI-PMH, Atom, RSS, JSON lines or .abs)"
    )


def reader_for(fmt: str, path: Path) -> Reader:
    name = path.name.lower()
    if fmt == "kaggle" and name.removesuffix(".gz").endswith(".csv"):
        return kaggle.read_csv
    if fmt == "abs" and (name.endswith((".tar", ".tgz", ".tar.gz"))):
        return abs_reader.read_tar
    return {
        "oai": oai.read,
        "atom": atom.read,
        "rss": rss.read,
        "kaggle": kaggle.read,
        "jsonl": jsonl.read,
        "abs": abs_reader.read,
    }[fmt]


def list_files(path: Path) -> list[Path]:
    """A file, or every regular file under a directory, in a stable order."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    if path.is_file():
        return [path]
    raise SourceError(str(path), "-", "no such file or directory")


__all__ = ["FORMATS", "Reader", "detect_format", "list_files", "open_source", "reader_for"]
