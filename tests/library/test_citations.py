"""BibTeX and RIS in and out (coolpapers.library.citations) on the real fixture records:
exports that reference managers read and that import back to the same papers, and imports of
Zotero- and Mendeley-shaped files matched by arXiv id, DOI and title."""

from __future__ import annotations

import bibtexparser
import pytest
import rispy

from coolpapers.library import citations
from coolpapers.library.citations import CitationError, match_references, read_file
from coolpapers.papers.models import Paper

pytestmark = pytest.mark.django_db

# Zotero's export of an arXiv preprint (its DOI is arXiv's), and of journal articles.
ZOTERO_BIB = r"""
@misc{park_simulation_2025,
	title = {Simulation of prosthetic vision with {PRIMA} system and enhancement of face representation},
	url = {http://arxiv.org/abs/2503.11677},
	doi = {10.48550/arXiv.2503.11677},
	publisher = {arXiv},
	author = {Park, Jungyeon and Goldstein, Anna Kochnev},
	month = mar,
	year = {2025},
	note = {arXiv:2503.11677 [cs]},
	keywords = {Computer Science - Computer Vision},
}

@article{brignole_effective_1997,
	title = {Effective interactions of light gravitinos},
	volume = {1997},
	journal = {JHEP},
	doi = {10.1088/1126-6708/1997/11/001},
	year = {1997},
}

@article{balazs_calculation_2007,
	title = {Calculation of Prompt Diphoton Production Cross Sections at {Tevatron} and {LHC} Energies},
	author = {Bal{\'a}zs, C. and Berger, E. L.},
	journal = {Phys. Rev. D},
	year = {2007},
}

@article{nobody_2020,
	title = {A paper this site does not hold},
	journal = {Nowhere},
	year = {2020},
}
"""

MENDELEY_RIS = """TY  - JOUR
AU  - Brignole, Andrea
TI  - On the effective interactions of a light gravitino with matter fermions
UR  - https://arxiv.org/abs/hep-th/9709111v3
ER  -

TY  - GEN
TI  - Anonymous oblivious transfer
N1  - arXiv: cs/0011004
ER  -

TY  - JOUR
TI  - Something else entirely
DO  - 10.9999/none
ER  -
"""


def test_zotero_bibtex_is_matched_by_arxiv_id_doi_and_title(papers):
    references = read_file("My Library.bib", ZOTERO_BIB.encode())
    assert [r.arxiv_ids for r in references] == [["2503.11677"], [], [], []]
    assert references[1].dois == ["10.1088/1126-6708/1997/11/001"]
    assert match_references(references) == ["2503.11677", "hep-th/9709111", "0704.0001", None]


def test_mendeley_ris_is_matched_by_url_note_and_title(papers):
    references = read_file("export.ris", MENDELEY_RIS.encode())
    assert [r.arxiv_ids for r in references] == [["hep-th/9709111"], ["cs/0011004"], []]
    assert match_references(references) == ["hep-th/9709111", "cs/0011004", None]


def test_the_format_is_found_by_content_when_the_name_says_nothing(papers):
    assert len(read_file("upload", MENDELEY_RIS.encode())) == 3
    assert len(read_file("upload.txt", ZOTERO_BIB.encode("utf-8-sig"))) == 4


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("broken.bib", b"@article{a, title = {Unclosed, year = 2020\n@misc{b, title={x}}", "line"),
        ("empty.bib", b"% nothing but a comment\n", "no entries"),
        ("paper.pdf", b"%PDF-1.4\x00\x01binary", "not a text file"),
        ("notes.txt", b"just some words", "neither BibTeX nor RIS"),
        ("cut.ris", b"TY  - JOUR\nTI  - one\nER  - \nTY  - JOUR\nTI  - no end\n", "RIS"),
        ("huge.bib", b"@misc{a,title={x}}\n" * (citations.MAX_IMPORT_BYTES // 18), "MB"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_its_reason(name, data, reason):
    with pytest.raises(CitationError, match=reason):
        read_file(name, data)


def test_titles_compare_without_case_accents_tex_and_punctuation():
    norm = citations.normalised_title
    assert norm("{BERT}: Pre-training of Deep  Bidirectional") == norm(
        "BERT: pre-training of deep bidirectional"
    )
    assert norm("Schr\\\"odinger's equation") == norm("Schrödinger\u2019s Equation")
    assert norm("The $\\alpha$-stable case") == norm("The $\\alpha$ stable case")


def test_bibtex_export_reads_back_and_imports_to_the_same_papers(papers):
    chosen = list(Paper.objects.order_by("pk").prefetch_related("versions")[:12])
    notes = {chosen[0].pk: "Read § 3 {again}"}
    text = citations.bibtex_export(chosen, notes)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert len(library.entries) == len(chosen)
    keys = [entry.key for entry in library.entries]
    assert len(set(keys)) == len(keys)
    first = library.entries[0]
    assert first["eprint"] == chosen[0].pk and first["archivePrefix"] == "arXiv"
    assert first["annote"] == "Read § 3 {again}"
    references = read_file("out.bib", text.encode())
    assert match_references(references) == [paper.pk for paper in chosen]


def test_ris_export_reads_back_and_imports_to_the_same_papers(papers):
    chosen = list(Paper.objects.order_by("-pk").prefetch_related("versions")[:8])
    text = citations.ris_export(chosen, {chosen[1].pk: "A note"})
    assert text.startswith("TY  - UNPB")
    records = rispy.loads(text)
    assert [r["accession_number"] for r in records] == [f"arXiv:{p.pk}" for p in chosen]
    assert records[1]["notes"][-1] == "A note"
    assert match_references(read_file("out.ris", text.encode())) == [p.pk for p in chosen]


def test_a_paper_bibtex_is_unchanged_by_the_move(papers, client):
    """browse's /bibtex and the library share one implementation."""
    from coolpapers.browse import bibtex

    assert bibtex.bibtex_entry is citations.bibtex_entry
    response = client.get("/arxiv/0704.0001/bibtex")
    assert response.content.decode().startswith("@misc{balazs2007calculation,\n")
