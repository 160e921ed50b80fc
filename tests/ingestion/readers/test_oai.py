"""The OAI-PMH reader against real arXiv responses (tests/fixtures/arxiv/oai, see SOURCES.md)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from coolpapers.ingestion.readers.oai import OAIError, looks_like, parse_oai_page, read
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError, VersionRecord
from tests.conftest import ARXIV_FIXTURES

OAI = ARXIV_FIXTURES / "oai"


def load(name: str) -> bytes:
    return (OAI / name).read_bytes()


def papers(records: list[PaperRecord | RejectedRecord]) -> list[PaperRecord]:
    """The records, once we have checked that none was rejected."""
    accepted = [r for r in records if isinstance(r, PaperRecord)]
    assert len(accepted) == len(records), records
    return accepted


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- arXiv metadata format ---------------------------------------------------------------


def test_arxiv_format_list_records_hepcrawl() -> None:
    page = parse_oai_page(load("hepcrawl_arxiv-physics-hep-ex.xml"), "hep-ex.xml")

    assert page.resumption_token is None
    assert page.cursor is None and page.complete_list_size is None
    first, second, third = papers(page.records)
    assert [r.arxiv_id for r in page.records] == ["1706.05371", "1706.09418", "1707.00874"]

    assert first.title == (
        "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid Xenon Detectors"
    )
    assert first.authors[:3] == ["Tyler Anderson", "Jacob Cutter", "Navneet Dhaliwal"]
    assert len(first.authors) == 13
    assert first.authors[-1] == "Mani Tripathi"
    assert first.categories == ["physics.ins-det", "hep-ex"]  # primary first, as arXiv lists
    assert first.comments == "10 pages, 9 figures"
    assert first.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert first.abstract.startswith("Silicon photomultipliers (SiPMs) are potential solid-state")
    assert first.abstract.endswith("photon detection efficiency.")
    # The arXiv format lists no versions: created/updated stand in, as midnight UTC.
    assert first.versions == []
    assert first.version is None
    assert first.submitted == utc(2017, 6, 16)
    assert first.updated == utc(2017, 12, 12)
    assert first.announced is None

    assert second.authors == [
        "Daniel Dercks",
        "Herbi Dreiner",
        "Manuel E. Krauss",
        "Toby Opferkuch",
        "Annika Reinert",
    ]
    assert second.report_no == "BONN-TH-2017-03"
    assert second.journal_ref == "Eur. Phys. J. C (2017) 77:856"
    assert second.doi == "10.1140/epjc/s10052-017-5414-4"
    assert second.comments == (
        "43 pages, 13 tables, 17 figures; updated Figs. 11-17 and Tab. 12 including NLO "
        "corrections; version accepted for publication in EPJC"
    )

    assert third.categories == ["hep-ph", "astro-ph.CO", "hep-ex"]
    assert third.report_no == "IITH-PH-0001/17, IMSc/2017/07/05"
    assert third.doi == ""


def test_arxiv_format_get_record_hepcrawl_single() -> None:
    page = parse_oai_page(load("hepcrawl_arxiv-single.xml"), "single.xml")

    assert page.resumption_token is None
    [record] = papers(page.records)
    assert record.arxiv_id == "1401.2122"
    assert record.title == "New integrable (3+1)-dimensional systems and contact geometry"
    assert record.authors == ["A. Sergyeyev"]
    assert record.categories == ["math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI"]
    assert record.msc_class == "37K05 37K10 53D10"
    assert record.journal_ref == "Lett. Math. Phys. 108 (2018), no. 2, 359-376"
    assert record.doi == "10.1007/s11005-017-1013-4"
    assert record.submitted == utc(2014, 1, 9)
    assert record.updated == utc(2017, 10, 23)
    # Paragraph breaks inside the abstract survive; only the ends are trimmed.
    assert "contact\nvector fields.\n  In particular" in record.abstract


def test_arxiv_format_old_style_id_and_affiliations() -> None:
    page = parse_oai_page(load("inspire-next_oai_arxiv.xml"), "oai_arxiv.xml")

    [record] = papers(page.records)
    assert record.arxiv_id == "physics/0112006"
    assert record.title == "Is G a conversion factor or a fundamental unit?"
    # <affiliation> is ignored: names only.
    assert record.authors == ["G. Fiorentini", "L. Okun", "M. Vysotsky"]
    assert record.categories == ["physics.class-ph", "physics.gen-ph"]
    assert record.doi == "10.1134/1.1533770"
    assert record.license == ""
    assert record.submitted == utc(2001, 12, 4)
    assert record.updated is None  # no <updated>: never revised


def test_arxiv_format_indented_inspire_next_records() -> None:
    [gardner] = papers(parse_oai_page(load("inspire-next_1305.0014.xml"), "x").records)
    assert gardner.arxiv_id == "1305.0014"
    assert gardner.title == (
        "Framework for maximum likelihood analysis of neutron beta decay observables to resolve "
        "the limits of the V-A law"
    )
    assert gardner.authors == ["S. Gardner", "B. Plaster"]
    assert gardner.categories == ["hep-ph", "hep-lat", "nucl-ex", "nucl-th"]
    assert gardner.journal_ref == "Phys. Rev. C 87, 065504 (2013)"
    assert gardner.doi == "10.1103/PhysRevC.87.065504"
    assert gardner.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert gardner.abstract.startswith("We assess the ability")

    [hall] = papers(
        parse_oai_page(load("inspire-next_oai_arxiv_record_with_plots.xml"), "x").records
    )
    assert hall.arxiv_id == "1407.7587"
    assert hall.authors == ["Richard L Hall", "Nasser Saad"]
    assert hall.report_no == "CUQM - 149"
    assert "in d>1 dimensions" in hall.abstract  # &gt; decoded


def test_arxiv_format_suffix_is_part_of_the_name() -> None:
    # Derived from the real single record: a <suffix> added to its one author.
    data = load("hepcrawl_arxiv-single.xml").replace(
        b"<forenames>A.</forenames>", b"<forenames>A.</forenames><suffix>Jr.</suffix>"
    )
    [record] = papers(parse_oai_page(data, "x").records)
    assert record.authors == ["A. Sergyeyev Jr."]


# --- arXivRaw metadata format ------------------------------------------------------------


def test_arxiv_raw_list_records_litpuvn_with_token() -> None:
    page = parse_oai_page(load("litpuvn_ListRecords_arXivRaw.xml"), "litpuvn.xml")

    assert page.resumption_token == "1403493|1001"
    assert page.cursor == 0
    assert page.complete_list_size == 1440
    assert len(page.records) == 387

    by_id = {r.arxiv_id if isinstance(r, PaperRecord) else r.identifier: r for r in page.records}
    assert len(by_id) == 387
    first = page.records[0]
    assert isinstance(first, PaperRecord)
    assert first.arxiv_id == "0803.4354"
    assert first.title == (
        "A O(n^8) X O(n^7) Linear Programming Model of the Traveling Salesman Problem"
    )
    assert first.authors == ["Moustapha Diaby"]
    assert first.categories == ["cs.DM"]
    assert first.acm_class == "G.1.6; G.2.1; G.2.2"
    assert [(v.number, v.submitted, v.size) for v in first.versions] == [
        (1, utc(2008, 3, 30, 23, 26, 50), "69kb"),
        (2, utc(2010, 9, 11, 21, 8, 18), "0kb"),
        (3, utc(2013, 9, 6, 3, 16, 8), "0kb"),
        (4, utc(2014, 3, 2, 15, 12, 27), "0kb"),
        (5, utc(2014, 3, 18, 19, 34, 6), "0kb"),
        (6, utc(2016, 10, 20, 16, 58, 38), "0kb"),
    ]
    # arXivRaw lists versions, so the "no versions" stand-ins stay empty.
    assert first.version is None and first.submitted is None and first.updated is None

    vecharynski = by_id["1104.4530"]
    assert isinstance(vecharynski, PaperRecord)
    assert vecharynski.authors == ["Eugene Vecharynski", "Andrew V. Knyazev"]
    assert vecharynski.categories == ["math.NA"]
    assert vecharynski.report_no == "MERL TR2013-016"
    assert vecharynski.journal_ref == "SIAM Journal on Scientific Computing 2013 35:2, A696-A718"
    assert vecharynski.doi == "10.1137/120886686"
    assert [v.number for v in vecharynski.versions] == [1, 2, 3]
    assert vecharynski.versions[2].submitted == utc(2013, 1, 4, 5, 39, 40)

    gey = by_id["1203.0193"]
    assert isinstance(gey, PaperRecord)
    assert gey.authors == ["Servane Gey (MAP5)"]  # affiliation text stays with the name
    assert gey.categories == ["math.ST", "stat.TH"]
    assert gey.report_no == "MAP5 2012-07"

    last = page.records[-1]
    assert isinstance(last, PaperRecord)
    assert last.arxiv_id == "1606.07946"
    assert last.title == "On the theorem of Davenport and generalized Dedekind sums"
    assert last.msc_class == "11K38, 11F20"
    assert last.journal_ref == "J. Number Theory 172 (2017) 1-20"
    assert last.versions == [VersionRecord(1, utc(2016, 6, 25, 18, 16, 34), "11kb")]

    # Real data: arXiv's metadata for 1606.01027 has a DEL byte (0x7f) where TeX wrote
    # H\"ormander. The stray byte is dropped and the record kept, like the other 386.
    assert not [r for r in page.records if isinstance(r, RejectedRecord)]
    hormander = next(r for r in papers(page.records) if r.arxiv_id == "1606.01027")
    assert "\x7f" not in hormander.abstract and "rmander" in hormander.abstract


def test_arxiv_raw_list_records_mikesaelim() -> None:
    page = parse_oai_page(load("mikesaelim_ListRecordsResponse.xml"), "mikesaelim.xml")

    assert page.resumption_token == "726959|1001"
    assert page.cursor == 0
    assert page.complete_list_size == 58011
    records = papers(page.records)
    assert [r.arxiv_id for r in records] == [
        "0704.0471",
        "0704.0716",
        "0704.0874",
        "0704.1109",
        "0704.1114",
        "0704.1586",
    ]
    shetty, richard, *_ = records
    assert shetty.title == (
        "Density dependence of the symmetry energy and the nuclear equation of state: "
        "A Dynamical and Statistical model perspective"
    )
    assert shetty.authors == ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]
    assert shetty.categories == ["nucl-ex", "nucl-th"]
    assert shetty.journal_ref == "Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"
    assert shetty.doi == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    assert shetty.license == ""
    assert 'extremely " stiff " and " soft "' in shetty.abstract  # &quot; decoded
    assert shetty.versions == [VersionRecord(1, utc(2007, 4, 3, 22, 4, 11), "294kb")]

    assert richard.authors == ["Christoph Richard"]
    assert richard.categories == ["math-ph", "math.MP"]
    assert richard.msc_class == "05A15, 05A16"
    assert [(v.number, v.submitted) for v in richard.versions] == [
        (1, utc(2007, 4, 5, 12, 45, 3)),
        (2, utc(2007, 9, 28, 15, 13, 43)),
        (3, utc(2008, 2, 29, 16, 5, 39)),
        (4, utc(2008, 11, 14, 9, 7, 25)),
    ]
    assert records[3].authors == ["Valeria M. Rosa", "Patricio S. letelier"]
    assert records[5].authors == ["N.C. Summers", "F.M. Nunes"]


def test_arxiv_raw_get_records() -> None:
    [saelim] = papers(parse_oai_page(load("mikesaelim_GetRecordResponse.xml"), "x").records)
    assert saelim.arxiv_id == "1302.2146"
    assert saelim.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert saelim.authors == [
        "Joshua Berger",
        "Maxim Perelstein",
        "Michael Saelim",
        "Philip Tanedo",
    ]
    assert saelim.categories == ["hep-ph", "hep-ex"]
    assert saelim.versions == [
        VersionRecord(1, utc(2013, 2, 8, 21, 0, 1), "853kb"),
        VersionRecord(2, utc(2013, 4, 2, 1, 50, 8), "849kb"),
    ]

    [lagoze] = papers(parse_oai_page(load("litpuvn_GetRecord_arXivRaw.xml"), "x").records)
    assert lagoze.arxiv_id == "0804.2273"
    assert lagoze.title == "Object Re-Use & Exchange: A Resource-Centric Approach"
    assert lagoze.authors == [
        "Carl Lagoze",
        "Herbert Van de Sompel",
        "Michael L. Nelson",
        "Simeon Warner",
        "Robert Sanderson",
        "Pete Johnston",
    ]
    assert lagoze.categories == ["cs.DL", "cs.NI"]
    assert lagoze.acm_class == "C.2.3"
    assert lagoze.license == "http://creativecommons.org/licenses/by/3.0/"


# --- error responses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (
            "mikesaelim_ErrorResponseBadArgument.xml",
            "badArgument",
            "Verb 'ListRecords', illegal argument 'identifier'.",
        ),
        (
            "mikesaelim_ErrorResponseBadResumptionToken.xml",
            "badResumptionToken",
            "The resumptionToken supplied is illegal for this repository",
        ),
        (
            "mikesaelim_ErrorResponseBadVerb.xml",
            "badVerb",
            "Bad verb. Verb 'wah' not implemented.",
        ),
        (
            "mikesaelim_ErrorResponseIdDoesNotExist.xml",
            "idDoesNotExist",
            "Identifier 'oai:arXiv.org:0813.2274' has correct form but does not correspond to an "
            "item in this repository",
        ),
        (
            "inspire-next_1305.0014v1.xml",
            "idDoesNotExist",
            "This OAI interface supports only the notion of an arXiv article and not access to "
            "individual versions. You must not include the 'v1' at the end of the identifier.",
        ),
        (
            "inspire-next_1305.9999.xml",
            "idDoesNotExist",
            "Identifier 'oai:arXiv.org:1305.9999' has correct form but does not correspond to an "
            "item in this repository",
        ),
        (
            "inspire-next_is-malformed.xml",
            "idDoesNotExist",
            "Malformed identifier `oai:arXiv.org:is-malformed'",
        ),
    ],
)
def test_error_responses_raise_oai_error(name: str, code: str, message: str) -> None:
    with pytest.raises(OAIError) as caught:
        parse_oai_page(load(name), name)
    assert caught.value.code == code
    assert caught.value.message == message


def test_no_records_match_is_an_empty_page() -> None:
    page = parse_oai_page(load("mikesaelim_ErrorResponseNoRecordsMatch.xml"), "x")
    assert page.records == []
    assert page.resumption_token is None


def test_read_turns_an_error_response_into_a_source_error() -> None:
    name = "mikesaelim_ErrorResponseBadVerb.xml"
    with pytest.raises(SourceError) as caught:
        list(read(io.BytesIO(load(name)), name))
    assert caught.value.source == name
    assert "badVerb" in caught.value.message
    assert list(read(io.BytesIO(load("mikesaelim_ErrorResponseNoRecordsMatch.xml")), "x")) == []


# --- broken and hostile input ------------------------------------------------------------


def test_truncated_file_is_a_source_error_with_its_position() -> None:
    data = load("mikesaelim_ListRecordsResponse.xml")
    cut = data[: len(data) // 2]
    with pytest.raises(SourceError) as caught:
        parse_oai_page(cut, "cut.xml")
    error = caught.value
    assert error.source == "cut.xml"
    # The cut falls inside a tag: the parser points at the start of that unfinished tag.
    lines = cut.split(b"\n")
    assert lines[-1].endswith(b"<journal-ref")
    assert error.position == f"line {len(lines)}, column {lines[-1].rindex(b'<')}"
    assert error.message == "not well-formed XML: unclosed token"


def test_truncated_large_file_read_yields_nothing() -> None:
    data = load("litpuvn_ListRecords_arXivRaw.xml")
    records = read(io.BytesIO(data[: len(data) * 2 // 3]), "cut.xml")
    with pytest.raises(SourceError) as caught:
        next(records)
    assert caught.value.position.startswith("line ")


@pytest.mark.parametrize(
    ("body", "position"),
    [
        (b"Rate exceeded.\n", "line 1, column 0"),
        (b"", "line 1, column 0"),
        # The mismatched </h1> (its name starts at column 45) is where the parser gives up.
        (b"<html><body><h1>503 Service Unavailable<br></h1></body></html>", "line 1, column 45"),
    ],
)
def test_non_xml_body_is_a_source_error(body: bytes, position: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_oai_page(body, "body")
    assert caught.value.position == position
    assert caught.value.message.startswith("not well-formed XML")


def test_xml_that_is_not_oai_pmh_is_a_source_error() -> None:
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query</title></feed>'
    with pytest.raises(SourceError) as caught:
        parse_oai_page(atom, "feed.xml")
    assert "not an OAI-PMH response" in caught.value.message

    identify = (
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><Identify>'
        b"<repositoryName>arXiv</repositoryName></Identify></OAI-PMH>"
    )
    with pytest.raises(SourceError) as caught:
        parse_oai_page(identify, "identify.xml")
    assert "neither ListRecords nor GetRecord" in caught.value.message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE OAI-PMH [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><GetRecord><record>
<header><identifier>oai:arXiv.org:1401.2122</identifier></header>
<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>1401.2122</id>
<authors><author><keyname>Laugh</keyname></author></authors>
<title>&lol9;</title><categories>math.AP</categories><abstract>&lol9;</abstract>
</arXiv></metadata></record></GetRecord></OAI-PMH>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE OAI-PMH [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><GetRecord><record>
<header><identifier>oai:arXiv.org:1401.2122</identifier></header>
<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>1401.2122</id>
<authors><author><keyname>Leak</keyname></author></authors>
<title>Leak</title><categories>math.AP</categories><abstract>&secret;</abstract>
</arXiv></metadata></record></GetRecord></OAI-PMH>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE OAI-PMH SYSTEM "http://127.0.0.1:9/evil.dtd">
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords/></OAI-PMH>
"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_entity_tricks_are_refused_and_nothing_is_yielded(body: bytes) -> None:
    records = read(io.BytesIO(body), "evil.xml")
    with pytest.raises(SourceError) as caught:
        next(records)
    assert caught.value.source == "evil.xml"
    assert "DTDForbidden" in caught.value.message
    assert "entity" in caught.value.message
    with pytest.raises(StopIteration):
        next(records)


# --- one bad record among good ones ------------------------------------------------------


def test_broken_version_date_rejects_only_that_record() -> None:
    # Derived from the real mikesaelim page: the date of 0704.0716's v2 replaced by non-date text.
    data = load("mikesaelim_ListRecordsResponse.xml").replace(
        b"<date>Fri, 28 Sep 2007 15:13:43 GMT</date>", b"<date>sometime in autumn</date>"
    )
    page = parse_oai_page(data, "x")

    assert len(page.records) == 6
    rejected = page.records[1]
    assert rejected == RejectedRecord(
        "0704.0716", "version v2 date: 'sometime in autumn' is not a date"
    )
    good = [r for i, r in enumerate(page.records) if i != 1]
    assert [r.arxiv_id for r in papers(good)] == [
        "0704.0471",
        "0704.0874",
        "0704.1109",
        "0704.1114",
        "0704.1586",
    ]
    assert page.resumption_token == "726959|1001"


def test_bad_version_label_and_missing_date_are_rejected() -> None:
    data = (
        load("mikesaelim_ListRecordsResponse.xml")
        .replace(
            b'<version version="v1"><date>Tue, 3 Apr', b'<version version="one"><date>Tue, 3 Apr'
        )
        .replace(b"<date>Fri, 6 Apr 2007 11:07:01 GMT</date>", b"")
    )
    records = parse_oai_page(data, "x").records
    assert records[0] == RejectedRecord(
        "0704.0471", "version: 'one' is not a version number like 'v1'"
    )
    assert records[2] == RejectedRecord("0704.0874", "version v1 has no date")
    assert sum(isinstance(r, PaperRecord) for r in records) == 4


def test_arxiv_format_bad_created_and_missing_title_are_rejected() -> None:
    # Derived from the real hep-ex page: one unreadable date, one bad id, one missing title.
    data = (
        load("hepcrawl_arxiv-physics-hep-ex.xml")
        .replace(b"<created>2017-06-28</created>", b"<created>28/06/2017</created>")
        .replace(b"<id>1707.00874</id>", b"<id>1707.0087</id>")
    )
    records = parse_oai_page(data, "x").records

    assert isinstance(records[0], PaperRecord)
    assert records[0].arxiv_id == "1706.05371"
    assert records[1] == RejectedRecord(
        "1706.09418", "created: '28/06/2017' is not a date (YYYY-MM-DD)"
    )
    # A bad id is named as given, with build_record's reason.
    assert isinstance(records[2], RejectedRecord)
    assert records[2].identifier == "1707.0087"
    assert "five digits after the dot" in records[2].reason

    missing_title = load("hepcrawl_arxiv-physics-hep-ex.xml").replace(
        b"<title>R-Parity Violation at the LHC</title>", b""
    )
    assert parse_oai_page(missing_title, "x").records[1] == RejectedRecord(
        "1706.09418", "missing title"
    )


def test_deleted_records_are_skipped_and_foreign_metadata_rejected() -> None:
    deleted = (
        b'<record><header status="deleted"><identifier>oai:arXiv.org:1706.00001</identifier>'
        b"<datestamp>2017-12-14</datestamp></header></record>"
    )
    dublin_core = (
        b"<record><header><identifier>oai:arXiv.org:1706.00002</identifier></header>"
        b'<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/">'
        b"</oai_dc:dc></metadata></record>"
    )
    data = load("hepcrawl_arxiv-physics-hep-ex.xml").replace(
        b"<ListRecords>\n", b"<ListRecords>\n" + deleted + dublin_core, 1
    )
    records = parse_oai_page(data, "x").records

    assert len(records) == 4
    assert records[0] == RejectedRecord("1706.00002", "no metadata in the arXiv or arXivRaw format")
    assert [r.arxiv_id for r in papers(records[1:])] == [
        "1706.05371",
        "1706.09418",
        "1707.00874",
    ]


def test_record_without_any_id_is_named_by_position() -> None:
    data = (
        load("hepcrawl_arxiv-physics-hep-ex.xml")
        .replace(b"<id>1706.09418</id>", b"")
        .replace(b"<identifier>oai:arXiv.org:1706.09418</identifier>", b"")
    )
    records = parse_oai_page(data, "x").records
    assert isinstance(records[1], RejectedRecord)
    assert records[1].identifier == "record 2"


# --- resumption token forms --------------------------------------------------------------


def test_empty_token_element_means_the_list_is_complete() -> None:
    # Derived: the real token replaced by the empty element arXiv sends on the last page.
    data = load("mikesaelim_ListRecordsResponse.xml").replace(
        b'<resumptionToken cursor="0" completeListSize="58011">726959|1001</resumptionToken>',
        b'<resumptionToken cursor="57010" completeListSize="58011"></resumptionToken>',
    )
    page = parse_oai_page(data, "x")
    assert page.resumption_token is None
    assert page.cursor == 57010
    assert page.complete_list_size == 58011
    assert len(page.records) == 6


def test_token_without_counts_as_the_new_arxiv_oai_sends_it() -> None:
    # arXiv's current OAI service sends only an `expires` attribute; cursor/size are unknown.
    data = load("mikesaelim_ListRecordsResponse.xml").replace(
        b'<resumptionToken cursor="0" completeListSize="58011">',
        b"<resumptionToken expires='2025-01-01T00:00:00Z'>",
    )
    page = parse_oai_page(data, "x")
    assert page.resumption_token == "726959|1001"
    assert page.cursor is None and page.complete_list_size is None


# --- file reader and detection -----------------------------------------------------------


def test_read_yields_the_records_of_a_saved_file() -> None:
    with open(OAI / "mikesaelim_ListRecordsResponse.xml", "rb") as stream:
        ids = [r.arxiv_id for r in papers(list(read(stream, "saved.xml")))]
    assert ids == ["0704.0471", "0704.0716", "0704.0874", "0704.1109", "0704.1114", "0704.1586"]


@pytest.mark.parametrize(
    "name",
    [
        "hepcrawl_arxiv-physics-hep-ex.xml",
        "inspire-next_oai_arxiv.xml",  # no XML declaration
        "litpuvn_ListRecords_arXivRaw.xml",  # root element attributes wrapped over lines
        "mikesaelim_ErrorResponseBadVerb.xml",
    ],
)
def test_looks_like_real_oai_heads(name: str) -> None:
    assert looks_like(load(name)[:4096])


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        b'<rss version="2.0" xmlns:arxiv="http://arxiv.org/schemas/atom"><channel>',
        b'{"id": "0704.0001", "title": "Calculation of prompt diphoton production"}\n',
        b"arXiv:0704.0001\nFrom: Pavel Nadolsky\n",
        b"",
    ],
)
def test_looks_like_rejects_other_formats(head: bytes) -> None:
    assert not looks_like(head)
