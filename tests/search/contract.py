"""Behaviour every search backend must have. A backend's test module subclasses
`BackendContract` and provides a `backend` fixture that returns an empty backend."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.cache import cache
from django.core.management import call_command

from coolpapers.papers.models import Paper, PaperCategory
from search.backends.base import SearchRequest
from search.documents import documents_for, iter_all_documents
from search.query import parse_query
from tests.conftest import ARXIV_FIXTURES

SAMPLE = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"
HEP = ARXIV_FIXTURES / "oai" / "hepcrawl_arxiv-physics-hep-th.xml"


def ids(results, n: int | None = None) -> list[str]:
    hits = results[: n if n is not None else len(results)]
    return [h.arxiv_id for h in hits]


def req(text: str, **kwargs) -> SearchRequest:
    return SearchRequest(query=parse_query(text), **kwargs)


@pytest.mark.django_db
class BuiltIndex:
    """The `built` fixture: the backend with the fixture papers indexed."""

    @pytest.fixture
    def built(self, backend):
        cache.clear()
        call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
        call_command("ingest_arxiv", str(HEP), verbosity=0)
        backend.rebuild(iter_all_documents())
        yield backend
        cache.clear()


class BackendContract(BuiltIndex):
    def test_rebuild_indexes_every_paper_with_its_hash(self, built):
        assert built.document_count() == Paper.objects.count() == 69
        assert built.stored_hashes() == dict(Paper.objects.values_list("pk", "content_hash"))
        assert built.health().ok

    def test_title_words_find_the_paper_first(self, built):
        results = built.search(req("CORDIC need"))
        assert ids(results, 1) == ["2503.11685"]

    def test_all_words_must_match(self, built):
        both = set(ids(built.search(req("gaussian splatting"))))
        assert "2503.11731" in both and "2503.11979" in both
        assert set(ids(built.search(req("gaussian splatting pollination")))) == {"2503.11692"}
        assert not ids(built.search(req("gaussian splatting prosthetic")))

    def test_stemming_images_finds_image(self, built):
        # 2503.11792 (StyleMorpheus) only says "images", never "image".
        assert "2503.11792" in ids(built.search(req("morphable face image")))
        assert "2503.11792" in ids(built.search(req("morphable faces images")))

    def test_accents_and_tex_accents_fold(self, built):
        assert "2503.11742" in ids(built.search(req("author:Inca")))  # Moreno D'Incà
        assert "2503.11742" in ids(built.search(req("author:Incà")))
        assert "2503.12028" in ids(built.search(req("author:Cengel")))  # F. Çengel

    def test_phrase_or_not_and_fields(self, built):
        assert ids(built.search(req('title:"Flower Pose Estimation"'))) == ["2503.11692"]
        assert not ids(built.search(req('"pose flower estimation"')))
        either = set(ids(built.search(req("pollination OR prosthetic"))))
        assert either == {"2503.11692", "2503.11677"}
        assert set(ids(built.search(req("(pollination OR prosthetic) -flower")))) == {"2503.11677"}
        assert set(ids(built.search(req("(pollination OR prosthetic) NOT flower")))) == {
            "2503.11677"
        }
        assert "2503.11685" not in ids(built.search(req("abstract:CORDIC -title:CORDIC")))
        assert ids(built.search(req("id:2503.11692"))) == ["2503.11692"]
        assert ids(built.search(req("id:arXiv:2503.11692v2"))) == ["2503.11692"]

    def test_categories_exact_and_prefix(self, built):
        def in_db(test) -> set[str]:
            links = PaperCategory.objects.values_list("paper_id", "category_id")
            return {pk for pk, code in links if test(code)}

        assert set(ids(built.search(req("cat:hep-ph")))) == in_db(lambda c: c == "hep-ph")
        astro = set(ids(built.search(req("cat:astro-ph.*"))))
        assert astro == in_db(lambda c: c.startswith("astro-ph.")) >= {"2506.13636", "2506.13677"}
        robots = set(ids(built.search(req("cat:cs.RO"))))
        assert robots == in_db(lambda c: c == "cs.RO") >= {"2503.11692", "2503.11999"}

    def test_latex_in_queries(self, built):
        # The title is "$L^2$FMamba: Lightweight Light Field Image Super-Resolution ..."
        assert "2503.19253" in ids(built.search(req(r"$L^2$FMamba light field")))

    def test_filters(self, built):
        everything = set(ids(built.search(req("learning"))))
        only_lg = set(ids(built.search(req("learning", include_categories=("cs.LG",)))))
        no_lg = set(ids(built.search(req("learning", exclude_categories=("cs.LG",)))))
        assert only_lg and no_lg and only_lg | no_lg == everything and not only_lg & no_lg
        in_march = built.search(
            req("learning", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31))
        )
        announced = dict(Paper.objects.values_list("pk", "announced"))
        assert all(announced[i].month == 3 for i in ids(in_march))
        subset = frozenset({"2503.11685", "2503.11692", "2503.11677"})
        assert set(ids(built.search(req("a*", only_ids=subset)))) <= subset

    def test_date_field_query(self, built):
        found = set(ids(built.search(req("announced:2025-06 OR announced:2025-11"))))
        announced = dict(Paper.objects.values_list("pk", "announced"))
        assert found == {
            pk for pk, day in announced.items() if day and day.month in (6, 11) and day.year == 2025
        }

    def test_sort_by_date(self, built):
        results = ids(built.search(req("learning", sort="announced")))
        announced = dict(Paper.objects.values_list("pk", "announced"))
        days = [announced[i] for i in results]
        assert days == sorted(days, reverse=True)

    def test_pages_are_consistent_slices(self, built):
        results = built.search(req("learning"))
        everything = ids(results)
        assert len(everything) == results.count == len(set(everything)) > 10
        assert [h.arxiv_id for h in results[0:5]] + [
            h.arxiv_id for h in results[5:10]
        ] == everything[:10]
        scores = [h.score for h in results[: len(results)]]
        assert scores == sorted(scores, reverse=True)
        assert results[len(results) : len(results) + 5] == []

    def test_highlight_spans_follow_analysis(self, built):
        spans = built.highlight_terms(req("images cordic"), "title")
        text = "CORDIC Is All You Need for an Image"
        assert [text[a:b] for a, b in spans(text)] == ["CORDIC", "Image"]

    def test_key_terms_more_like_this_and_suggestions(self, built):
        paper = Paper.objects.get(pk="2503.11692")
        terms = built.key_terms(paper.title + " " + paper.abstract, 5)
        assert len(terms) == 5 and any(t.startswith(("pollin", "flower")) for t in terms)
        similar = built.more_like_this("2503.11731", 5)
        assert similar and "2503.11731" not in [h.arxiv_id for h in similar]
        assert "2503.11979" in [h.arxiv_id for h in similar]  # both are Gaussian-splatting papers
        assert built.suggest("splating") == "splatting"

    def test_updates_and_deletes(self, built):
        Paper.objects.filter(pk="2503.11685").update(title="Hyperbolic rotations for accelerators")
        built.index_documents(documents_for(["2503.11685"]))
        assert ids(built.search(req("hyperbolic rotations"))) == ["2503.11685"]
        assert "2503.11685" not in ids(built.search(req("title:CORDIC")))
        assert built.document_count() == 69
        built.delete(["2503.11685"])
        assert not ids(built.search(req("hyperbolic rotations")))
        assert built.document_count() == 68

    def test_search_while_a_writer_commits(self, built):
        errors: list[BaseException] = []
        docs = documents_for(["2503.11731", "2503.11979", "2503.12001"])
        reader = type(built)(path=built.root)

        def write() -> None:
            try:
                for _ in range(15):
                    built.index_documents(docs)
            except BaseException as exc:
                errors.append(exc)

        expected = tuple(sorted(ids(reader.search(req("gaussian splatting")))))
        assert len(expected) == 5
        writer = threading.Thread(target=write)
        writer.start()
        seen = set()
        while writer.is_alive():
            reader._checked = 0.0  # look for a new index state on every search
            seen.add(tuple(sorted(ids(reader.search(req("gaussian splatting"))))))
        writer.join()
        assert not errors
        # Every answer was complete: never a paper deleted and not yet added again.
        assert seen == {expected}
        reader._checked = 0.0
        assert reader.document_count() == 69

    def test_two_writers_take_turns(self, built):
        other = type(built)(path=built.root)
        first = documents_for(["2503.11685", "2503.11692"])
        second = documents_for(["2503.11677", "2503.11731"])
        errors: list[BaseException] = []

        def write(backend, docs):
            try:
                for _ in range(5):
                    backend.index_documents(docs)
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=write, args=(built, first)),
            threading.Thread(target=write, args=(other, second)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        built._checked = 0.0
        assert built.document_count() == 69
        assert built.stored_hashes()["2503.11685"]

    def test_clear(self, built):
        built.clear()
        assert built.document_count() == 0
        assert not ids(built.search(req("learning")))


class EmptyIndexContract:
    def test_health_reports_a_missing_index(self, backend):
        health = backend.health()
        assert not health.ok and health.detail
        assert backend.document_count() == 0
