"""The tantivy backend: the shared contract, plus what it must do with its own files
(generations swapped under readers, writers taking turns, a killed writer's lock).

Without the `tantivy` package the module skips, except under CI=true where it fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

if os.environ.get("CI", "").lower() == "true":
    try:
        import tantivy
    except ImportError:
        pytest.fail("tantivy is not installed; CI=true requires the tantivy backend tests to run")
tantivy = pytest.importorskip(
    "tantivy", reason="tantivy is not installed (pip install -e '.[tantivy]')"
)

from search.backends import tantivy as tantivy_backend  # noqa: E402
from search.backends.base import IndexLocked  # noqa: E402
from search.backends.tantivy import SCHEMA, TantivyBackend, write_lock  # noqa: E402
from search.documents import documents_for, iter_all_documents  # noqa: E402
from tests.search.contract import (  # noqa: E402
    BackendContract,
    BuiltIndex,
    EmptyIndexContract,
    ids,
    req,
    strict,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backend(tmp_path):
    return TantivyBackend(path=tmp_path / "index")


class TestTantivyContract(BackendContract):
    pass


class TestTantivyEmpty(EmptyIndexContract):
    pass


def is_locked(lock_file: Path) -> bool:
    try:
        with write_lock(lock_file, timeout=0):
            return False
    except IndexLocked:
        return True


# A writer in another process: takes the write lock, adds documents, never commits.
HOLDER = """
import sys, time
import django
django.setup()
from search.backends.tantivy import TantivyBackend, _document
from search.documents import PaperDocument
backend = TantivyBackend(path=sys.argv[1])
with backend._writer() as (writer, _):
    for n in range(50):
        ghost = PaperDocument(
            f"ghost-{n}", "never committed", "", "", "", "", "", ("cs.LG",), None, None, None, "x"
        )
        writer.add_document(_document(ghost))
    print("holding", flush=True)
    time.sleep(600)
"""


@pytest.mark.django_db
class TestTantivySpecifics(BuiltIndex):
    def test_a_count_keeps_the_hits_of_the_page_that_follows(self, built, monkeypatch):
        """A relevance count keeps its best hits, so the first pages search no more; the pages
        are those a search asking for them alone finds."""
        searches: list[int] = []

        class Counting:
            """The searcher, noting the limit of every search."""

            def __init__(self, searcher):
                self.searcher = searcher

            def __getattr__(self, name):
                return getattr(self.searcher, name)

            def search(self, query, limit, *args, **kwargs):
                searches.append(limit)
                return self.searcher.search(query, limit, *args, **kwargs)

        searcher = built._get_searcher()
        for text in ("model", "learning OR quantum", "title:network", "data -learning"):
            with monkeypatch.context() as patch:
                patch.setattr(built, "_get_searcher", lambda: Counting(searcher))
                results = built.search(req(text))
                searches.clear()
                assert results.count > 0 and searches == [tantivy_backend.COUNTED_HITS]
                pages = {(o, n): results[o : o + n] for o, n in ((0, 25), (5, 10), (90, 10))}
                assert searches == [tantivy_backend.COUNTED_HITS]
            for (offset, limit), page in pages.items():
                alone = built.page(req(text), offset, limit)
                assert page == alone and len(page) == min(limit, max(0, results.count - offset))

    def test_rebuild_swaps_generations_and_readers_keep_working(self, built, tmp_path):
        before = built._current_generation()
        first = built._get_searcher()
        reader = TantivyBackend(path=built.root)
        expected = tuple(sorted(strict(reader.search(req("gaussian splatting")))))
        assert len(expected) == 5
        errors: list[BaseException] = []
        seen: set[tuple[str, ...]] = set()
        stop = threading.Event()

        def read() -> None:
            try:
                while not stop.is_set():
                    reader._checked = 0.0  # look for a new generation on every search
                    seen.add(tuple(sorted(strict(reader.search(req("gaussian splatting"))))))
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=read)
        thread.start()
        try:
            for _ in range(3):
                built.rebuild(iter_all_documents())
        finally:
            stop.set()
            thread.join()
        assert not errors
        assert seen == {expected}  # every answer complete: never a half-built generation
        assert built._current_generation() != before
        assert reader._generation == built._current_generation()
        assert ids(built.search(req("CORDIC"))) == ["2503.11685"]
        generations = {p.name for p in (tmp_path / "index").iterdir() if p.is_dir()}
        assert len(generations) <= 2 and before not in generations
        # A searcher still on the first generation, whose files are gone, keeps answering.
        cordic = tantivy.Query.term_query(SCHEMA, "title", "cordic")
        assert first.search(cordic, 5, count=True).count == 1

    def test_a_writer_waits_for_the_lock_then_gives_up(self, built, monkeypatch):
        docs = documents_for(["2503.11685"])
        lock_file = built.root / built._current_generation() / "WRITELOCK"
        done = threading.Event()
        waiter = threading.Thread(target=lambda: (built.index_documents(docs), done.set()))
        with write_lock(lock_file, timeout=0):
            waiter.start()
            assert not done.wait(0.5)  # waits while another writer holds the lock
        waiter.join(timeout=30)
        assert done.is_set()
        monkeypatch.setattr(tantivy_backend, "WRITE_TIMEOUT", 0.2)
        with write_lock(lock_file, timeout=0), pytest.raises(IndexLocked):
            built.index_documents(docs)  # search.tasks retries it

    def test_next_writer_recovers_the_lock_of_a_killed_one(self, built):
        lock_file = built.root / built._current_generation() / "WRITELOCK"
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(built.root)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "coolpapers.settings"},
            start_new_session=True,
        )
        try:
            assert holder.stdout.readline().strip() == "holding"
            assert is_locked(lock_file)
        finally:
            os.killpg(holder.pid, signal.SIGKILL)
            holder.wait(timeout=30)
        assert lock_file.exists()  # the file stays; the lock on it does not

        start = time.monotonic()
        assert built.index_documents(documents_for(["2503.11685"])) == 1
        assert time.monotonic() - start < 5  # not the 120 s wait for a live writer

        assert not is_locked(lock_file)
        assert built.document_count() == 69
        assert not any(arxiv_id.startswith("ghost-") for arxiv_id in built.stored_hashes())


def _real_texts() -> list[str]:
    import json

    texts = []
    for folder, name in (
        ("corpus", "daily_arxiv_sample.jsonl"),
        ("kaggle", "arxiv-metadata-oai-snapshot_first50.jsonl"),
    ):
        for line in (ROOT / "tests/fixtures/arxiv" / folder / name).read_text().splitlines():
            record = json.loads(line)
            texts += [record["title"], record["abstract"]]
    return texts


@pytest.mark.parametrize(
    "query",
    [
        "learning models",
        "neural network OR graphs",
        '"large language model" studies',
        "gener* diffusion",
        "e.g 3d x.y",
        "dying early only skies",
        "quantum -classical",
        "a",
    ],
)
def test_fast_ascii_highlighting_marks_what_the_engine_tokens_mark(query):
    """The ASCII shortcut (string search for word heads) against the engine's own tokens, on
    every real title and abstract of the fixtures, plus the tricky spots of the token pattern
    (dotted words, one-letter words, words glued to punctuation)."""
    backend = TantivyBackend(path=Path("/nonexistent"))
    texts = [
        *_real_texts(),
        "e.g. x.y.z 3d-printing a.b .dying early,only(skies)",
        "models_learning model.Learning learning.models x..models",
    ]
    assert sum(t.isascii() for t in texts) > 100
    for field in ("title", "abstract"):
        spans = backend.highlight_terms(req(query), field)
        analyzer = tantivy_backend.ANALYZERS["stemmed"]
        texts_, prefixes = tantivy_backend.marking_terms(req(query).query, field)
        wanted = {form for text in texts_ for form in analyzer.analyze(text)}
        for text in texts:
            expected = [
                (t.char_offset_from, t.char_offset_to)
                for t in analyzer.pre_tokenize(text).tokens
                if t.text in wanted or any(t.text.startswith(p) for p in prefixes)
            ]
            assert spans(text) == expected, (query, text)
