"""Behaviour every search backend must have. A backend's test module subclasses
`BackendContract` and provides a `backend` fixture that returns an empty backend."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.core.cache import cache
from django.core.management import call_command

from coolpapers.papers.models import Paper, PaperCategory
from search.backends.base import SearchRequest, SearchTimeout, deadline
from search.documents import documents_for, iter_all_documents
from search.query import QueryError, parse_query
from tests.conftest import ARXIV_FIXTURES

SAMPLE = ARXIV_FIXTURES / "corpus" / "daily_arxiv_sample.jsonl"
HEP = ARXIV_FIXTURES / "oai" / "hepcrawl_arxiv-physics-hep-th.xml"


def ids(results, n: int | None = None) -> list[str]:
    hits = results[: n if n is not None else len(results)]
    return [h.arxiv_id for h in hits]


def strict(results) -> list[str]:
    """The results holding every term (partial matches follow them)."""
    return ids(results, results.strict_count)


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


class ReadingContract(BuiltIndex):
    """Queries as people type them (issue 15): stop words, spellings, compounds, acronyms,
    partial matches. Every engine inherits these through BackendContract."""

    def test_stop_words_are_never_required(self, built):
        # "is" was a required word in the authors' field, where names keep every word.
        assert strict(built.search(req("CORDIC is all you need")))[:1] == ["2503.11685"]
        assert strict(built.search(req("flower pose estimation for precision pollination"))) == [
            "2503.11692"
        ]
        assert "2503.11685" in strict(built.search(req('"CORDIC is all you need"')))

    def test_only_stop_words_is_a_clear_error(self, built):
        with pytest.raises(QueryError, match="common words"):
            built.count(req("of the is"))

    def test_accents_fold_both_ways_before_stemming(self, built):
        Paper.objects.filter(pk="2503.11685").update(
            title=r"Schr\"odinger bridges for G\"odel machines with ﬁnite memory"
        )
        built.index_documents(documents_for(["2503.11685"]))
        for text in ("Schrodinger bridges", "Schrödinger bridges", "Godel finite", "Gödel ﬁnite"):
            assert strict(built.search(req(text))) == ["2503.11685"], text

    def test_british_and_american_spellings_meet(self, built):
        assert "2503.11731" in strict(built.search(req("modelling")))  # says "modeling"
        assert "2503.11806" in strict(built.search(req("modeling")))  # says "modelling"
        assert "2503.11781" in strict(built.search(req("colour")))  # says "color"
        assert "2503.11807" in strict(built.search(req("color")))  # says "Colour"
        spans = built.highlight_terms(req("colour"), "title")
        text = "Colour and color"
        assert [text[a:b] for a, b in spans(text)] == ["Colour", "color"]

    def test_hyphenated_split_and_joined_forms_meet(self, built):
        found = [set(strict(built.search(req(t)))) for t in ("self-supervised", "selfsupervised")]
        assert "2503.12026" in found[0] and found[0] == found[1]
        assert "2503.12026" in strict(built.search(req("self supervised")))
        # "pre-trained" (2503.11781) and "pretrained" (2503.11849) find each other.
        for text in ("pretrained", "pre-trained"):
            assert {"2503.11781", "2503.11849"} <= set(strict(built.search(req(text)))), text
        assert built.is_known("selfsupervised")

    def test_acronyms_learned_from_the_corpus(self, built):
        # Four papers define "vision-language models (VLMs)"; 2503.11750 only writes the
        # expansion, 2503.11953 only the acronym.
        assert "2503.11750" in strict(built.search(req("VLM")))
        assert "2503.11750" in strict(built.search(req("vlms")))
        assert "2503.11953" in strict(built.search(req("vision-language models")))
        assert "2503.11953" in strict(built.search(req("vision language model")))
        assert "2503.11953" in strict(built.search(req('"vision-language model"')))
        # A pair seen once is not trusted: "Flower Pose Estimation (FloPE)".
        assert strict(built.search(req("FloPE"))) == ["2503.11692"]

    def test_acronyms_grow_with_incremental_indexing(self, built):
        ids_ = ["2503.11677", "2503.11731", "2503.11742"]
        for pk in ids_:
            paper = Paper.objects.get(pk=pk)
            Paper.objects.filter(pk=pk).update(
                abstract=paper.abstract + " We use quantum widget lattices (QWLs)."
            )
        Paper.objects.filter(pk="2503.11685").update(title="QWL accelerators")
        built.index_documents(documents_for([*ids_, "2503.11685"]))
        found = strict(built.search(req('"quantum widget lattices"')))
        assert set(found) == {*ids_, "2503.11685"}

    def test_few_strict_matches_are_followed_by_partial_ones(self, built):
        results = built.search(req("gaussian splatting prosthetic"))
        assert results.strict_count == 0 and results.partial
        everything = ids(results)
        assert len(everything) == results.count == len(set(everything)) > 0
        # Papers with both words of three first (the Gaussian-splatting ones), then one word.
        both = set(ids(built.search(req("gaussian splatting"))))
        assert set(everything[: len(both & set(everything))]) <= both
        assert "2503.11677" not in everything  # one word of three is too few

    def test_partial_matches_page_without_repeats(self, built):
        results = built.search(req("CORDIC image"))
        assert 0 < results.strict_count < 10 and results.partial
        pages = [ids(results)[i : i + 3] for i in range(0, results.count, 3)]
        sliced = [[h.arxiv_id for h in results[i : i + 3]] for i in range(0, results.count, 3)]
        assert sliced == pages
        flat = [i for page in sliced for i in page]
        assert len(flat) == len(set(flat)) == results.count
        assert set(flat[: results.strict_count]) == set(strict(results))

    def test_enough_strict_matches_show_no_partial_ones(self, built):
        results = built.search(req("learning model"))
        assert results.strict_count >= 10 and not results.partial
        assert results.count == results.strict_count

    def test_filters_and_phrases_stay_strict_for_partial_matches(self, built):
        results = built.search(req('"gaussian splatting" prosthetic simulation'))
        phrase = set(ids(built.search(req('"gaussian splatting"'))))
        assert results.partial and set(ids(results)) <= phrase
        results = built.search(req("gaussian splatting prosthetic", exclude_categories=("cs.RO",)))
        robots = set(PaperCategory.objects.filter(category_id="cs.RO").values_list("paper_id"))
        assert results.partial and not set(ids(results)) & {r[0] for r in robots}
        dated = built.search(req("gaussian splatting prosthetic", date_from=date(2030, 1, 1)))
        assert dated.count == 0 and not dated.partial

    def test_a_pasted_title_finds_its_paper_first(self, built):
        for pk in ("2503.11692", "2503.11742", "2503.11806", "2503.12035", "2506.13677"):
            title = Paper.objects.get(pk=pk).title
            assert ids(built.search(req(title.replace('"', " "))), 1) == [pk], title

    def test_a_pasted_title_with_a_typo_still_finds_its_paper(self, built):
        title = "Human-in-the-Loop Local Corections of 3D Scene Layouts via Infilling"
        results = built.search(req(title))
        assert results.strict_count == 0 and ids(results, 1) == ["2503.11806"]


class BackendContract(ReadingContract):
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
        assert set(strict(built.search(req("gaussian splatting pollination")))) == {"2503.11692"}
        assert not strict(built.search(req("gaussian splatting prosthetic")))

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
        assert set(ids(built.search(req("lea*", only_ids=subset)))) <= subset

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

    def test_a_count_and_its_pages_evaluate_the_query_once(self, built, monkeypatch):
        """SearchResults keeps the engine's evaluation: the Paginator's count, then its page,
        then the strict count, run one search; the pages are those of a fresh search."""
        finds = []
        find = built.find
        monkeypatch.setattr(built, "find", lambda request: finds.append(request) or find(request))
        for text, sort in (
            ("learning", "relevance"),
            ("learning", "announced"),
            ("CORDIC image", "relevance"),
        ):
            cache.clear()
            finds.clear()
            results = built.search(req(text, sort=sort))
            pages = [results[0:5], results[5:10], results[90:110]]
            assert results.count > 5 and results.strict_count and len(finds) == 1
            for (start, stop), page in zip(((0, 5), (5, 10), (90, 110)), pages, strict=True):
                cache.clear()
                assert page == built.page(req(text, sort=sort), start, stop - start)

    def test_suggestions_are_near_frequent_title_words(self, built):
        assert built.suggest("splating") == "splatting"  # a letter left out
        assert built.suggest("splatteing") == "splatting"  # one replaced
        assert built.suggest("gausssian") == "gaussian"  # one too many
        assert built.suggest("guassian") == "gaussian"  # two swapped
        assert built.suggest("Splating") == "splatting"
        assert built.suggest("splatting") is None  # a title word needs no suggestion
        assert built.suggest("qwzxvbnmkj") is None  # nothing near
        assert built.suggest("ab") is None and built.suggest("") is None
        assert built.suggest("x" * 499) is None

    def test_a_suggestion_costs_the_same_whatever_the_word(self, built):
        """A 499-letter word took Whoosh's corrector 9 s on 2,722 papers (issue 20): every
        word, long or short, is answered in a few milliseconds."""
        built.suggest("warmup")  # the first call builds the speller of this index state
        for word in ("x" * 499, "splatingsplatingsplatingsplatin", "gausian" * 70, "qzj" * 10):
            started = time.perf_counter()
            built.suggest(word)
            assert time.perf_counter() - started < 0.05, word

    def test_a_request_never_waits_for_the_speller_to_be_built(self, built):
        """Building it reads every title word (5 s at 133k papers, more than a search's whole
        budget): under a request's deadline it is built in the background, and the request
        goes on without suggestions until it is ready."""
        with deadline(time.monotonic() + 60):
            assert built.suggest("splating") is None  # a new index state: none yet
        waited = time.monotonic() + 30
        while time.monotonic() < waited:
            with deadline(time.monotonic() + 60):
                if built.suggest("splating") == "splatting":
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the speller was never built in the background")

    def test_a_search_past_its_deadline_is_stopped(self, built):
        with pytest.raises(SearchTimeout, match="took too long"), deadline(time.monotonic() - 1):
            built.count(req("gaussian splatting OR learning"))
        with pytest.raises(SearchTimeout), deadline(time.monotonic() - 1):
            built.page(req('"gaussian splatting"'), 0, 10)
        # The budget runs from when the search is asked for, across count and pages.
        results = built.search(req("learning"))
        results.ends = time.monotonic() - 1
        with pytest.raises(SearchTimeout):
            results.count  # noqa: B018
        assert built.count(req("learning")) > 10  # outside a deadline nothing stops it

    def test_updates_and_deletes(self, built):
        Paper.objects.filter(pk="2503.11685").update(title="Hyperbolic rotations for accelerators")
        built.index_documents(documents_for(["2503.11685"]))
        assert strict(built.search(req("hyperbolic rotations"))) == ["2503.11685"]
        assert "2503.11685" not in ids(built.search(req("title:CORDIC")))
        assert built.document_count() == 69
        built.delete(["2503.11685"])
        assert not strict(built.search(req("hyperbolic rotations")))
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

        expected = tuple(sorted(strict(reader.search(req("gaussian splatting")))))
        assert len(expected) == 5
        writer = threading.Thread(target=write)
        writer.start()
        seen = set()
        while writer.is_alive():
            reader._checked = 0.0  # look for a new index state on every search
            seen.add(tuple(sorted(strict(reader.search(req("gaussian splatting"))))))
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
