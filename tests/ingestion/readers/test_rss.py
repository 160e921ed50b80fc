"""The rss.arxiv.org daily feed reader against the two real feeds in tests/fixtures/arxiv/rss/.

laya-reader_arxiv_rss.xml is the RSS 2.0 flavour (cs.LG+cs.AI+cs.CL+stat.ML, 2026-09-24) and
paper-forge_arxiv_rss_atom.xml the Atom flavour (cs.LG, 2026-09-25, abstracts shortened by the
repository's author). Broken variants are derived from them, with the change stated in each test.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from coolpapers.ingestion.readers import rss
from coolpapers.ingestion.readers.rss import parse_feed
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError
from coolpapers.papers.announcements import ANNOUNCE_CROSS, ANNOUNCE_NEW, ANNOUNCE_REPLACE

RSS_DIR = Path(__file__).parents[2] / "fixtures" / "arxiv" / "rss"
RSS2 = RSS_DIR / "laya-reader_arxiv_rss.xml"
ATOM = RSS_DIR / "paper-forge_arxiv_rss_atom.xml"


def _papers(data: bytes) -> list[PaperRecord]:
    records = parse_feed(data, "test")
    assert all(isinstance(r, PaperRecord) for r in records), records
    return records  # type: ignore[return-value]


def test_rss2_items_kinds_and_announcement_date() -> None:
    records = _papers(RSS2.read_bytes())
    assert [(r.arxiv_id, r.version, r.announce_kind) for r in records] == [
        ("2609.26811", 1, ANNOUNCE_NEW),
        ("2609.26820", 1, ANNOUNCE_NEW),
        ("2205.06398", 2, ANNOUNCE_CROSS),
        ("2009.13987", 3, ANNOUNCE_REPLACE),
    ]
    # channel pubDate "Thu, 24 Sep 2026 00:00:00 -0400": the 24th in New York.
    assert {r.announced for r in records} == {date(2026, 9, 24)}


def test_rss2_item_fields() -> None:
    new, signal, cross, replaced = _papers(RSS2.read_bytes())
    assert new.title == "The Drift Contract: Spectral Updates for Depth-Robust Local Learning"
    # The "arXiv:... Announce Type: new" header and the "Abstract:" label are not the abstract.
    assert new.abstract.startswith("Local learning trains each layer with its own auxiliary loss")
    assert new.abstract.endswith("concentrates precisely where normalization is absent.")
    assert new.authors == ["Fabien Polly"]
    assert new.categories == ["cs.LG"]
    assert new.license == "http://creativecommons.org/licenses/by-nc-sa/4.0/"
    assert (new.doi, new.journal_ref, new.comments) == ("", "", "")
    assert (new.submitted, new.updated, new.versions) == (None, None, [])

    assert signal.authors == ["Naser Mansour", "Sidahmed Benabderrahmane", "Ameer Rahwan"]
    assert signal.categories == ["cs.LG", "cs.AI"]

    # A cross-list into stat.ML: its own primary (stat.ME) is listed first.
    assert cross.title == "Outlier Detection for Multi-Network Data"
    assert cross.categories == ["stat.ME", "stat.AP", "stat.ML"]
    assert cross.authors == ["Pritam Dey", "Zhengwu Zhang", "David B. Dunson"]
    assert cross.doi == "10.1093/bioinformatics/btac431"
    assert cross.license == "http://creativecommons.org/licenses/by-sa/4.0/"

    assert replaced.categories == ["cs.LG", "math.MG", "stat.ML"]
    assert replaced.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert replaced.authors == ["Michael Joswig", "Marek Kaluba", "Lukas Ruff"]


def test_atom_flavour() -> None:
    records = _papers(ATOM.read_bytes())
    assert [(r.arxiv_id, r.version, r.announce_kind) for r in records] == [
        ("2609.28553", 1, ANNOUNCE_NEW),
        ("2402.10149", 3, ANNOUNCE_CROSS),
        ("2401.08875", 3, ANNOUNCE_REPLACE),
    ]
    # feed updated "2026-09-25T04:00:11.600500+00:00" is 00:00:11 on the 25th in New York.
    assert {r.announced for r in records} == {date(2026, 9, 25)}
    smiles, particles, dcrmta = records
    assert smiles.title == (
        "SMILESGNN: Interpretable Clinical Toxicity Prediction via SMILES-Graph "
        "Cross-Attention Fusion"
    )
    assert smiles.abstract == (
        "Drug toxicity prediction is critical for reducing late-stage attrition in drug "
        "discovery, yet remains challenging due to severe class imbalance, scaffold-based "
        "generalization, and the clinical need for interpretable predictions."
    )
    assert smiles.authors == [
        "Quang Minh Nguyen",
        "Thuy Quynh Nguyen",
        "Duc Minh Le",
        "Ho Nhat Minh Nguyen",
        "Thanh Long Dai Doan",
        "Trong Nghia Nguyen",
    ]
    assert smiles.categories == ["cs.LG", "cs.AI"]
    assert smiles.journal_ref == (
        "2026 International Conference on Multimedia Analysis and Pattern Recognition (MAPR)"
    )
    assert smiles.doi == "10.1109/MAPR72750.2026.11685822"
    assert smiles.license == "http://creativecommons.org/licenses/by/4.0/"
    # Cross-listed into cs.LG from hep-ph: the primary comes first, not the feed's category.
    assert particles.categories == ["hep-ph", "cs.LG", "hep-ex"]
    assert particles.doi == "10.1103/PhysRevD.111.032004"
    assert dcrmta.categories == ["cs.LG", "cs.AI", "stat.ME"]
    assert (dcrmta.doi, dcrmta.journal_ref) == ("", "")


def test_replace_cross_is_a_replacement_and_unknown_kinds_are_rejected() -> None:
    data = RSS2.read_bytes()
    data = data.replace(
        b"<arxiv:announce_type>cross</arxiv:announce_type>",
        b"<arxiv:announce_type>replace-cross</arxiv:announce_type>",
    )
    data = data.replace(
        b"<arxiv:announce_type>replace</arxiv:announce_type>",
        b"<arxiv:announce_type>withdrawn</arxiv:announce_type>",
    )
    records = parse_feed(data, "t")
    assert isinstance(records[2], PaperRecord)
    assert records[2].announce_kind == ANNOUNCE_REPLACE
    assert records[3] == RejectedRecord("2009.13987", "unknown announcement type 'withdrawn'")
    assert [r.arxiv_id for r in records[:2] if isinstance(r, PaperRecord)] == [
        "2609.26811",
        "2609.26820",
    ]


def test_evening_announcement_date_is_the_new_york_date() -> None:
    # 01:30 UTC on the 25th is still the 24th in New York (EDT, UTC-4).
    data = RSS2.read_bytes().replace(
        b"<pubDate>Thu, 24 Sep 2026 00:00:00 -0400</pubDate>\n    <skipDays>",
        b"<pubDate>Fri, 25 Sep 2026 01:30:00 +0000</pubDate>\n    <skipDays>",
    )
    assert {r.announced for r in parse_feed(data, "t")} == {date(2026, 9, 24)}


def test_broken_item_is_rejected_and_the_rest_go_on() -> None:
    # The second item names its primary category instead of giving the code.
    data = RSS2.read_bytes().replace(
        b"<category>cs.LG</category>\n      <category>cs.AI</category>",
        b"<category>Machine Learning</category>\n      <category>cs.AI</category>",
    )
    records = parse_feed(data, "t")
    assert records[1] == RejectedRecord("2609.26820", "'Machine Learning' is not an arXiv category")
    assert [r.arxiv_id for r in records if isinstance(r, PaperRecord)] == [
        "2609.26811",
        "2205.06398",
        "2009.13987",
    ]


def test_feed_without_a_date_is_a_source_error() -> None:
    data = ATOM.read_bytes().replace(
        b"<updated>2026-09-25T04:00:11.600500+00:00</updated>\n  <link", b"<link"
    )
    with pytest.raises(SourceError) as info:
        parse_feed(data, "atom.xml")
    assert info.value.position == "feed updated"


def test_truncated_feed_is_a_source_error_with_its_position() -> None:
    data = RSS2.read_bytes()
    cut = data[: data.index(b"<title>Outlier Detection")]
    with pytest.raises(SourceError) as info:
        parse_feed(cut, "cut.xml")
    lines = cut.split(b"\n")
    assert info.value.position == f"line {len(lines)}, column {len(lines[-1])}"
    assert info.value.message == "no element found"


def test_entity_declarations_are_refused() -> None:
    data = RSS2.read_bytes().replace(
        b"<rss ",
        b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<rss ',
    )
    with pytest.raises(SourceError) as info:
        parse_feed(data, "evil.xml")
    assert info.value.position.startswith("line 2, column ")


def test_other_documents_are_source_errors() -> None:
    with pytest.raises(SourceError, match="expected <rss> or an Atom <feed>"):
        parse_feed(b"<OAI-PMH/>", "oai.xml")
    with pytest.raises(SourceError, match="without a <channel>"):
        parse_feed(b'<rss version="2.0"/>', "empty.xml")


def test_empty_day_has_no_records() -> None:
    # A feed on a day without announcements: the channel, no items.
    data = RSS2.read_bytes()
    empty = data[: data.index(b"<item>")] + b"</channel>\n</rss>\n"
    assert parse_feed(empty, "t") == []


def test_read_and_looks_like() -> None:
    for path in (RSS2, ATOM):
        data = path.read_bytes()
        assert list(rss.read(io.BytesIO(data), path.name)) == parse_feed(data, path.name)
        assert rss.looks_like(data[:4096])
