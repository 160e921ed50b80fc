"""The corpus model on disk, shared by every worker process, and each process's loaded copy.

    RELATED_MODEL_DIR (DATA_DIR/related)/
        CURRENT                      the version in use (replaced atomically)
        <version>/model.npz          BM25 weights, idf, df (scipy CSR arrays), boilerplate terms
        <version>/model.json         terms, paper ids and content hashes of the rows
        <version>/delta-000001.npz   rows of papers added or changed since the build

A process loads the model once and, before each unit of work, reloads it when CURRENT names
a newer version and reads delta files other processes wrote. A delta file is created under
a temporary name and linked to its final name, which fails if another process took that
number first: files are never half-written or overwritten.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings

from coolpapers.related.corpus import CorpusModel
from coolpapers.related.similarity import BM25Index, BM25Params

CURRENT = "CURRENT"
REBUILD_MARKER = "rebuild-requested"
KEEP_VERSIONS = 2  # the current one and the one before, which a slow process may still read


def model_dir() -> Path:
    return Path(settings.RELATED_MODEL_DIR)


def current_version(root: Path | None = None) -> str | None:
    try:
        return ((root or model_dir()) / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


@dataclass
class _Loaded:
    root: Path
    model: CorpusModel
    deltas: list[str] = field(default_factory=list)


_loaded: _Loaded | None = None
_lock = threading.Lock()


def _write_csr(path: Path, matrix: sp.csr_matrix, **arrays: np.ndarray) -> None:
    """Write an npz under a temporary name and link it to `path` (FileExistsError if taken)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with temporary.open("wb") as stream:
        np.savez(
            stream,
            data=matrix.data,
            indices=matrix.indices,
            indptr=matrix.indptr,
            shape=np.array(matrix.shape),
            **arrays,
        )
    try:
        os.link(temporary, path)
    finally:
        temporary.unlink()


def _read_csr(npz: np.lib.npyio.NpzFile) -> sp.csr_matrix:
    return sp.csr_matrix(
        (npz["data"], npz["indices"], npz["indptr"]), shape=tuple(npz["shape"].tolist())
    )


def save_model(model: CorpusModel) -> None:
    """Write a freshly built model and make it the current one, in this process too."""
    global _loaded
    root = model_dir()
    directory = root / model.version
    directory.mkdir(parents=True, exist_ok=False)
    index = model.index
    base = index.weights[: model.base_rows]
    params = index.params
    _write_csr(
        directory / "model.npz",
        base,
        idf=index.idf,
        df=model.df,
        boilerplate=np.flatnonzero(model.boilerplate),
        bm25=np.array([params.k1, params.b, params.epsilon, index.avgdl]),
    )
    meta = {
        "version": model.version,
        "n_words": model.n_words,
        "n_phrases": model.n_phrases,
        "terms": model.terms,
        "paper_ids": model.paper_ids[: model.base_rows],
        "hashes": model.hashes[: model.base_rows],
    }
    (directory / "model.json").write_text(json.dumps(meta))
    pointer = root / f".{CURRENT}.{os.getpid()}.tmp"
    pointer.write_text(model.version)
    with _lock:
        os.replace(pointer, root / CURRENT)
        _loaded = _Loaded(root, model)
    _remove_old_versions(root)


def _remove_old_versions(root: Path) -> None:
    # Version names start with their build time (corpus.new_version), so they sort by age.
    versions = sorted(p for p in root.iterdir() if p.is_dir() and (p / "model.json").exists())
    current = current_version(root)
    for old in versions[:-KEEP_VERSIONS]:
        if old.name == current:
            continue
        shutil.rmtree(old, ignore_errors=True)


def load_model(version: str) -> CorpusModel:
    directory = model_dir() / version
    meta = json.loads((directory / "model.json").read_text())
    with np.load(directory / "model.npz") as npz:
        weights = _read_csr(npz)
        k1, b, epsilon, avgdl = npz["bm25"].tolist()
        index = BM25Index(weights, npz["idf"], avgdl, BM25Params(k1, b, epsilon))
        df = npz["df"]
        boilerplate = np.zeros(len(meta["terms"]), dtype=bool)
        if "boilerplate" in npz:  # models built before it was learned have none
            boilerplate[npz["boilerplate"]] = True
    return CorpusModel(
        meta["version"],
        meta["terms"],
        meta["n_words"],
        meta["n_phrases"],
        df,
        index,
        meta["paper_ids"],
        meta["hashes"],
        boilerplate,
    )


def _delta_names(root: Path, version: str) -> list[str]:
    directory = root / version
    return sorted(p.name for p in directory.glob("delta-*.npz"))


def _sync_deltas(loaded: _Loaded) -> None:
    """Append delta files written since the last look, in file order, by any process."""
    names = _delta_names(loaded.root, loaded.model.version)
    if names[: len(loaded.deltas)] != loaded.deltas:
        loaded.model.truncate()
        loaded.deltas = []
    for name in names[len(loaded.deltas) :]:
        with np.load(loaded.root / loaded.model.version / name) as npz:
            loaded.model.append(npz["ids"].tolist(), npz["hashes"].tolist(), _read_csr(npz))
        loaded.deltas.append(name)


def current_model() -> CorpusModel | None:
    """This process's copy of the current model, brought up to date; None before a build."""
    global _loaded
    root = model_dir()
    version = current_version(root)
    if version is None:
        return None
    with _lock:
        if _loaded is None or _loaded.root != root or _loaded.model.version != version:
            _loaded = _Loaded(root, load_model(version))
        _sync_deltas(_loaded)
        return _loaded.model


def add_rows(model: CorpusModel, ids: list[str], hashes: list[str], weights: sp.csr_matrix) -> None:
    """Persist rows for papers new or changed since the build, then load them (and others')."""
    directory = model_dir() / model.version
    while True:
        names = _delta_names(model_dir(), model.version)
        number = int(names[-1][6:12]) + 1 if names else 1
        try:
            _write_csr(
                directory / f"delta-{number:06d}.npz",
                weights,
                ids=np.array(ids, dtype=str),
                hashes=np.array(hashes, dtype=str),
            )
            break
        except FileExistsError:
            continue
    current_model()


def request_rebuild(timeout: float) -> bool:
    """Claim the right to queue a rebuild: False while an earlier request is younger than
    `timeout` seconds (a rebuild is queued or running)."""
    marker = model_dir() / REBUILD_MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    try:
        if time.time() - marker.stat().st_mtime < timeout:
            return False
        marker.unlink()
    except FileNotFoundError:
        pass
    try:
        with marker.open("x") as stream:
            stream.write(str(os.getpid()))
    except FileExistsError:
        return False
    return True


@contextmanager
def build_lock() -> Iterator[None]:
    """Held while the first model is built, so concurrent workers build it once."""
    root = model_dir()
    root.mkdir(parents=True, exist_ok=True)
    with (root / "build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild_done() -> None:
    (model_dir() / REBUILD_MARKER).unlink(missing_ok=True)
