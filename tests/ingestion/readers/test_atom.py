"""The arXiv API Atom reader against real API responses (tests/fixtures/arxiv/api/).

arxiv.py_2026_bodies/ are responses captured by lukasschwab/arxiv.py in 2026, arxiv.py_2016/ the
legacy format of the same library's 2016 fixtures, misc/ two more real feeds. Documents that are
deliberately broken are derived from those files, with the change spelled out in each test.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coolpapers.ingestion.readers import atom, rss
from coolpapers.ingestion.readers.atom import ArxivAPIError, parse_atom_feed
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError

API = Path(__file__).parents[2] / "fixtures" / "arxiv" / "api"
NEW = API / "arxiv.py_2026_bodies"
LEGACY = API / "arxiv.py_2016"


def _body(name: str) -> bytes:
    return (NEW / name).read_bytes()


def _only_record(data: bytes) -> PaperRecord:
    page = parse_atom_feed(data, "test")
    assert len(page.records) == 1
    record = page.records[0]
    assert isinstance(record, PaperRecord), record
    return record


def test_new_style_id_with_version_and_all_fields() -> None:
    page = parse_atom_feed(_body("id_1605.08386_s0_m100_199195aa31ad.xml"), "1605.08386")
    assert (page.total_results, page.start_index, page.items_per_page) == (1, 0, 100)
    record = page.records[0]
    assert isinstance(record, PaperRecord)
    assert record.arxiv_id == "1605.08386"
    assert record.version == 1
    assert record.title == "Heat-bath random walks with Markov bases"
    assert record.abstract.startswith("Graphs on lattice points are studied whose edges come")
    assert record.abstract.endswith("is an expander in fixed dimension.")
    assert record.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert record.categories == ["math.CO", "math.ST"]
    assert record.comments == "20 pages, 3 figures"
    assert (record.journal_ref, record.doi) == ("", "")
    assert record.submitted == datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC)
    assert record.updated == datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC)
    assert record.versions == []
    assert record.announced is None


def test_old_style_id_keeps_archive_and_version() -> None:
    record = _only_record(_body("id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml"))
    assert record.arxiv_id == "quant-ph/0201082"
    assert record.version == 1
    assert record.title == (
        "Quantum Computers and Quantum Computer Languages: "
        "Quantum Assembly Language and Quantum C Language"
    )
    assert record.abstract.startswith("We show a representation of Quantum Computers")
    assert record.authors == ["Stephen Blaha"]
    assert record.categories == ["quant-ph", "cs.PL"]
    assert record.comments == "32 pages"
    assert record.submitted == datetime(2002, 1, 18, 15, 8, 5, tzinfo=UTC)


def test_journal_ref_entities_and_author_order_without_affiliations() -> None:
    record = _only_record(_body("id_astro-ph_0601001_s0_m100_3150dca9dc76.xml"))
    assert record.arxiv_id == "astro-ph/0601001"
    assert record.journal_ref == "ActaAstron.56:1-50,2006"
    assert record.comments.startswith("62 pages including 16 figures and 9 tables.")
    # <arxiv:affiliation> inside <author> is not part of the name.
    assert record.authors == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"]
    assert record.categories == ["astro-ph"]
    # &amp; and &lt; in the feed come out as text.
    assert "Gould & Morgan (2003)" in record.abstract
    assert "V_max<17.5" in record.abstract


def test_lookup_of_two_ids_where_one_does_not_exist() -> None:
    page = parse_atom_feed(_body("id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml"), "t")
    assert page.total_results == 1
    [record] = page.records
    assert isinstance(record, PaperRecord)
    assert record.arxiv_id == "1707.08567"
    assert len(record.authors) == 34
    assert record.authors[:3] == ["Kees A. Schouhamer Immink", "Stan Baggen", "Ferdaous Chaabane"]
    assert record.authors[-1] == "Hirosuke Yamamoto"
    assert record.categories == ["cs.IT"]


def test_a_title_of_zero_is_a_title() -> None:
    record = _only_record(_body("id_2104.12255v1_s0_m100_6ae69987ffe1.xml"))
    assert (record.arxiv_id, record.version, record.title) == ("2104.12255", 1, "0")
    assert record.categories == ["cs.CR"]
    assert record.comments == ""


def test_primary_category_comes_first_whatever_the_category_order() -> None:
    # The real quant-ph/0201082 entry, with its two <category> elements swapped.
    data = _body("id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml")
    quant = b'<category term="quant-ph" scheme="http://arxiv.org/schemas/atom"/>'
    pl = b'<category term="cs.PL" scheme="http://arxiv.org/schemas/atom"/>'
    swapped = data.replace(quant, b"@@").replace(pl, quant).replace(b"@@", pl)
    assert swapped.index(pl) < swapped.index(quant)
    assert _only_record(swapped).categories == ["quant-ph", "cs.PL"]


def test_acm_and_msc_terms_are_not_categories() -> None:
    # The API lists ACM and MSC classes as <category> terms too (seen in real responses,
    # e.g. term="I.2.9; J.3"); added here to a real entry.
    data = _body("id_1605.08386_s0_m100_199195aa31ad.xml").replace(
        b"<published>",
        b'<category term="05C81; 60J10" scheme="http://arxiv.org/schemas/atom"/>\n'
        b'    <category term="G.2.2" scheme="http://arxiv.org/schemas/atom"/>\n    <published>',
    )
    record = _only_record(data)
    assert record.categories == ["math.CO", "math.ST"]
    assert record.msc_class == "05C81; 60J10"
    assert record.acm_class == "G.2.2"


def test_search_page_with_doi_journal_ref_and_several_versions() -> None:
    page = parse_atom_feed(_body("q_testing_s0_m10_bc5a6c384fe9.xml"), "testing")
    assert (page.total_results, page.start_index, page.items_per_page) == (214881, 0, 10)
    assert all(isinstance(r, PaperRecord) for r in page.records)
    ids = [(r.arxiv_id, r.version) for r in page.records]
    assert ids[:3] == [("2202.12139", 1), ("2405.13786", 1), ("2005.14124", 2)]
    assert len(ids) == 10
    fuzzing = page.records[2]
    assert isinstance(fuzzing, PaperRecord)
    assert fuzzing.title == "Active Fuzzing for Testing and Securing Cyber-Physical Systems"
    assert fuzzing.authors == [
        "Yuqi Chen",
        "Bohan Xuan",
        "Christopher M. Poskitt",
        "Jun Sun",
        "Fan Zhang",
    ]
    assert fuzzing.categories == ["cs.SE", "cs.CR", "cs.LG"]
    assert fuzzing.doi == "10.1145/3395363.3397376"
    assert fuzzing.journal_ref == (
        "In Proc. ACM SIGSOFT International Symposium on Software Testing and Analysis "
        "(ISSTA 2020), pages 14-26. ACM, 2020"
    )
    assert fuzzing.comments.startswith("Accepted by the ACM SIGSOFT International Symposium")
    # published is the first version, updated the latest (v2).
    assert fuzzing.submitted == datetime(2020, 5, 28, 16, 19, 50, tzinfo=UTC)
    assert fuzzing.updated == datetime(2020, 7, 16, 8, 15, 48, tzinfo=UTC)


def test_legacy_2016_format() -> None:
    page = parse_atom_feed((LEGACY / "id_list=1111.2011v2.xml").read_bytes(), "2016")
    # The opensearch namespace is declared on each element there; the counters still read.
    assert (page.total_results, page.start_index, page.items_per_page) == (1, 0, 10)
    [record] = page.records
    assert isinstance(record, PaperRecord)
    assert (record.arxiv_id, record.version) == ("1111.2011", 2)
    # The title is wrapped over two lines in the feed.
    assert record.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert record.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert record.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert record.doi == "10.1103/PhysRevB.85.115117"
    assert record.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert record.comments == "8 pages, 3 figures. Published version"
    assert record.submitted == datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)
    assert record.updated == datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)
    assert record.abstract.startswith("Theoretical description of anisotropic systems")


def test_legacy_2016_search_page_mixes_old_and_new_ids() -> None:
    page = parse_atom_feed((LEGACY / "search_query=au_del_maestro.xml").read_bytes(), "2016")
    assert (page.total_results, page.start_index, page.items_per_page) == (31, 0, 10)
    assert [(r.arxiv_id, r.version) for r in page.records if isinstance(r, PaperRecord)] == [
        ("1201.4869", 1),
        ("cond-mat/0412498", 1),
        ("cond-mat/0603029", 1),
        ("1005.5383", 1),
        ("1303.6954", 2),
        ("1312.6177", 1),
        ("1412.6529", 2),
        ("cond-mat/0607501", 2),
        ("cond-mat/0702661", 2),
        ("0807.2873", 1),
    ]


def test_other_real_feeds_parse_completely() -> None:
    radar = parse_atom_feed(
        (API / "misc" / "ikevinxie_ai-weekly-radar_arxiv_feed.xml").read_bytes(), "r"
    )
    assert radar.total_results == 386601
    assert len(radar.records) == 50
    assert all(isinstance(r, PaperRecord) and r.version for r in radar.records)
    assert radar.records[0].arxiv_id == "2607.09662"

    xiv = parse_atom_feed((API / "misc" / "james-akl_xiv_arxiv_response.xml").read_bytes(), "x")
    first = xiv.records[0]
    assert isinstance(first, PaperRecord)
    assert first.arxiv_id == "2510.14968"
    assert first.title == (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    )
    assert first.categories == ["cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY"]


def test_empty_result_is_an_empty_page() -> None:
    page = parse_atom_feed(_body("id_0000.0000_s0_m100_8b51d9633a68.xml"), "0000.0000")
    assert page.records == []
    assert (page.total_results, page.start_index, page.items_per_page) == (0, 0, 100)


def test_error_feed_raises_with_the_api_message() -> None:
    with pytest.raises(ArxivAPIError) as info:
        parse_atom_feed(_body("id_abc_s0_m100_b79c8dcf6bc3.xml"), "abc")
    assert str(info.value) == "incorrect id format for abc"


def test_read_yields_the_records_of_a_file() -> None:
    data = _body("q_testing_s10_m10_34e56e15aaac.xml")
    records = list(atom.read(io.BytesIO(data), "file.xml"))
    assert records == parse_atom_feed(data, "file.xml").records
    assert records[0].arxiv_id == "2403.16981"


def test_broken_entries_are_rejected_and_the_rest_go_on() -> None:
    data = _body("q_testing_s0_m10_bc5a6c384fe9.xml")
    # Entry 2 loses its title, entry 3 gets an unreadable published date, entry 4 a bad id.
    data = data.replace(
        b"<title>Towards Explainable Test Case Prioritisation with Learning-to-Rank Models</title>",
        b"<title> </title>",
    )
    data = data.replace(b"<published>2020-05-28T16:19:50Z", b"<published>yesterday")
    data = data.replace(b"<id>http://arxiv.org/abs/2204.08348v3</id>", b"<id>not-an-id</id>")
    records = parse_atom_feed(data, "t").records
    assert len(records) == 10
    assert records[1] == RejectedRecord("2405.13786", "missing title")
    assert records[2] == RejectedRecord("2005.14124", "bad published date 'yesterday'")
    assert isinstance(records[3], RejectedRecord)
    assert records[3].identifier == "not-an-id"
    assert "not an arXiv id" in records[3].reason
    good = [r for i, r in enumerate(records) if i not in (1, 2, 3)]
    assert all(isinstance(r, PaperRecord) for r in good)
    assert good[0].arxiv_id == "2202.12139"


def test_truncated_feed_is_a_source_error_with_its_position() -> None:
    data = _body("id_1605.08386_s0_m100_199195aa31ad.xml")
    cut = data[: data.index(b"<summary>") + 200]
    with pytest.raises(SourceError) as info:
        parse_atom_feed(cut, "cut.xml")
    lines = cut.split(b"\n")
    assert info.value.source == "cut.xml"
    assert info.value.position == f"line {len(lines)}, column {len(lines[-1])}"
    assert info.value.message == "no element found"


def test_not_xml_and_not_a_feed_are_source_errors() -> None:
    with pytest.raises(SourceError) as info:
        parse_atom_feed(b"", "empty")
    assert info.value.position == "line 1, column 0"
    with pytest.raises(SourceError, match="expected an Atom <feed>"):
        parse_atom_feed(b'<rss version="2.0"><channel/></rss>', "rss")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol3;</title></feed>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title></feed>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_entity_declarations_are_refused(data: bytes) -> None:
    with pytest.raises(SourceError) as info:
        parse_atom_feed(data, "evil.xml")
    assert info.value.position.startswith("line 2, column ")
    assert "DTDForbidden" in info.value.message


def _expected_format(path: Path) -> str | None:
    relative = path.relative_to(API.parent).parts
    return {"api": "atom", "rss": "rss"}.get(relative[0])


def test_looks_like_tells_every_fixture_apart() -> None:
    """API feeds are atom, rss.arxiv.org feeds (both flavours) rss, every other fixture neither."""
    files = sorted(p for p in API.parent.rglob("*") if p.is_file())
    assert any(_expected_format(p) == "rss" for p in files)
    for path in files:
        head = path.read_bytes()[:4096]
        claims = {
            name for name, module in (("atom", atom), ("rss", rss)) if module.looks_like(head)
        }
        expected = _expected_format(path)
        assert claims == ({expected} if expected else set()), path


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A blog</title>',
        b"<!DOCTYPE html><html><body>arxiv.org/api is down</body></html>",
        b'{"id": "0704.0001", "title": "Calculation of prompt diphoton production"}',
    ],
)
def test_looks_like_refuses_other_documents(head: bytes) -> None:
    assert not atom.looks_like(head)
    assert not rss.looks_like(head)
