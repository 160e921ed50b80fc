"""The Whoosh backend: the shared contract, plus what only Whoosh has (generations, locks,
the NumPy evaluation matching Whoosh's own BM25F ranking)."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query as wq

from search.backends import whoosh as whoosh_backend
from search.backends.base import IndexLocked
from search.backends.whoosh import NAME_ANALYZER, TEXT_ANALYZER, WhooshBackend
from search.documents import documents_for, iter_all_documents
from search.query import parse_query
from tests.search.contract import BackendContract, BuiltIndex, EmptyIndexContract, ids, req


@pytest.fixture
def backend(tmp_path):
    return WhooshBackend(path=tmp_path / "index")


class TestWhooshContract(BackendContract):
    pass


class TestWhooshEmpty(EmptyIndexContract):
    pass


@pytest.mark.django_db
class TestWhooshSpecifics(BuiltIndex):
    @pytest.mark.parametrize(
        "text", ["gaussian splatting", "diffusion", "learning", "vision language models", "park"]
    )
    def test_ranking_equals_whoosh_bm25f(self, built, text):
        """The NumPy evaluation gives Whoosh's own scores for the same AND-of-ORs query."""
        searcher = built._get_searcher()
        native = wq.And(
            [
                wq.Or(
                    [wq.Term(f, TEXT_ANALYZER(word).__next__().text) for f in ("title", "abstract")]
                    + [wq.Term("authors", NAME_ANALYZER(word).__next__().text)]
                )
                for word in text.split()
            ]
        )
        expected = {hit["id"]: hit.score for hit in searcher.search(native, limit=None)}
        assert expected
        found = built._compiler(searcher).compile(parse_query(text))
        got = {
            searcher.stored_fields(int(doc))["id"]: found.scores[doc]
            for doc in np.flatnonzero(found.mask)
        }
        assert set(got) == set(expected)
        for key, score in expected.items():
            assert got[key] == pytest.approx(score, rel=1e-5)

    def test_rebuild_swaps_generations_and_readers_keep_working(self, built, tmp_path):
        before = built._current_generation()
        assert ids(built.search(req("CORDIC")))
        built.rebuild(iter_all_documents())
        after = built._current_generation()
        assert after != before
        assert ids(built.search(req("CORDIC"))) == ["2503.11685"]
        generations = [p for p in (tmp_path / "index").iterdir() if p.is_dir()]
        assert len(generations) <= 2

    def test_a_writer_kept_waiting_raises_index_locked(self, built, monkeypatch):
        """Whoosh's LockError is the interface's IndexLocked, which search.tasks retries."""
        monkeypatch.setattr(whoosh_backend, "WRITE_TIMEOUT", 0.2)
        index = whoosh_backend.open_dir(str(built.root / built._current_generation()))
        held = index.writer()
        try:
            with pytest.raises(IndexLocked, match="locked by another writer"):
                built.index_documents(documents_for(["2503.11685"]))
            with pytest.raises(IndexLocked):
                built.delete(["2503.11685"])
        finally:
            held.cancel()
        assert built.delete(["2503.11685"]) == 1

    def test_a_table_of_contents_removed_under_a_reader_is_read_again(self, built, monkeypatch):
        """A commit can remove the newest TOC between a reader finding and opening it (seen in
        CI as FileNotFoundError from a search): the reader looks again, or says the index is
        unavailable, never a raw error."""
        from search.backends import whoosh as whoosh_backend
        from search.backends.base import IndexUnavailable

        real_open_dir, failures = whoosh_backend.open_dir, []

        def racing_open_dir(path, *args, **kwargs):
            if len(failures) < 2:
                failures.append(path)
                raise FileNotFoundError(2, "No such file or directory", f"{path}/_MAIN_33.toc")
            return real_open_dir(path, *args, **kwargs)

        fresh = WhooshBackend(path=built.root)
        monkeypatch.setattr(whoosh_backend, "open_dir", racing_open_dir)
        assert ids(fresh.search(req("model"))) == ids(built.search(req("model")))
        assert len(failures) == 2

        failures.clear()
        monkeypatch.setattr(whoosh_backend, "TOC_ATTEMPTS", 2)
        with pytest.raises(IndexUnavailable, match="cannot be read"):
            WhooshBackend(path=built.root).count(req("model"))
