"""Parsing category specs and applying them to querysets (coolpapers/papers/category_spec.py)."""

from __future__ import annotations

import pytest

from coolpapers.papers.category_spec import (
    CategorySpec,
    InvalidSpec,
    UnknownCategory,
    filter_papers,
    parse_spec,
)
from coolpapers.papers.models import Announcement, Paper
from coolpapers.papers.taxonomy import CATEGORIES

MATH_CODES = sorted(c.code for c in CATEGORIES if c.code.startswith("math.") and c.active)


@pytest.mark.parametrize(
    ("text", "include", "exclude"),
    [
        ("cs.CL", ("cs.CL",), ()),
        ("cs.AI,cs.CL", ("cs.AI", "cs.CL"), ()),
        ("cs.AI+cs.CL", ("cs.AI", "cs.CL"), ()),
        ("cs.AI+cs.LG-cs.CY", ("cs.AI", "cs.LG"), ("cs.CY",)),
        ("cs.AI-cs.CY+cs.LG", ("cs.AI", "cs.LG"), ("cs.CY",)),
        ("cs.AI,-cs.CY", ("cs.AI",), ("cs.CY",)),
        ("cs.AI-cs.CY-cs.RO", ("cs.AI",), ("cs.CY", "cs.RO")),
        # Hyphens inside codes: longest known code first.
        ("hep-th", ("hep-th",), ()),
        ("hep-th-hep-ph", ("hep-th",), ("hep-ph",)),
        ("cond-mat.mes-hall-cond-mat.str-el", ("cond-mat.mes-hall",), ("cond-mat.str-el",)),
        ("cond-mat-cond-mat.soft", ("cond-mat",), ("cond-mat.soft",)),
        ("astro-ph.GA+physics.atom-ph", ("astro-ph.GA", "physics.atom-ph"), ()),
        # Case-insensitive, canonical spelling; duplicates collapse.
        ("cs.cl,CS.CL,Cs.Ai", ("cs.CL", "cs.AI"), ()),
    ],
)
def test_parse(text, include, exclude):
    spec = parse_spec(text)
    assert spec == CategorySpec(include, exclude)


def test_canonical_text():
    assert str(parse_spec("cs.AI+cs.CL")) == "cs.AI,cs.CL"
    assert str(parse_spec("cs.AI,cs.LG-cs.CY")) == "cs.AI+cs.LG-cs.CY"
    assert str(parse_spec("cs.cl")) == "cs.CL"
    for text in ("cs.CL", "cs.AI,cs.CL", "cs.AI+cs.LG-cs.CY", "hep-th-hep-ph"):
        assert str(parse_spec(text)) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("cs.AI,,cs.CL", "empty entry"),
        ("cs.AI,", "empty entry"),
        ("cs.AI--cs.CY", "empty category"),
        ("cs.AI-", "empty category"),
        ("-cs.CY", "includes none"),
        ("cs.AI cs.CL", "' '"),
        ("cs.A1", "'1'"),
        ("cs.AI;drop", "';'"),
        ("cs..AI", "not a category code"),
        ("cs.AI-cs.AI", "both included and excluded"),
        ("x" * 301, "at most 300"),
        (",".join(MATH_CODES[:21]), "at most 20"),
    ],
)
def test_malformed_specs_say_why(text, reason):
    with pytest.raises(InvalidSpec) as caught:
        parse_spec(text)
    assert not isinstance(caught.value, UnknownCategory)
    assert reason in str(caught.value)


def test_unknown_categories_are_named():
    with pytest.raises(UnknownCategory) as caught:
        parse_spec("cs.XX+cs.AI-foo")
    assert caught.value.codes == ("cs.XX", "foo")
    assert "cs.XX, foo" in str(caught.value)
    # An unknown stretch stops where a known code starts: cs.CY is still parsed.
    with pytest.raises(UnknownCategory) as caught:
        parse_spec("cs.XX-cs.CY")
    assert caught.value.codes == ("cs.XX",)


def test_known_codes_can_come_from_the_database():
    assert parse_spec("local.CAT", known={"local.CAT"}).include == ("local.CAT",)
    with pytest.raises(UnknownCategory):
        parse_spec("cs.CL", known={"local.CAT"})


def test_aliases_select_the_same_listing():
    spec = parse_spec("cs.IT-math.MP")
    assert spec.include_codes == {"cs.IT", "math.IT"}
    assert spec.exclude_codes == {"math.MP", "math-ph"}
    assert spec.is_cross_list("cs.LG") and not spec.is_cross_list("math.IT")


@pytest.mark.parametrize("text", ["math", "math.*", "MATH.*", "Math"])
def test_an_archive_stands_for_all_its_categories(text):
    spec = parse_spec(text)
    assert str(spec) == "math"
    assert set(MATH_CODES) <= spec.include_codes
    # Other archives only through arXiv's aliases (math.IT is cs.IT, math.ST is stat.TH).
    assert spec.include_codes - set(MATH_CODES) <= {"math", "cs.IT", "cs.NA", "math-ph", "stat.TH"}
    assert not spec.is_cross_list("math.AG") and spec.is_cross_list("cs.LG")


def test_archives_combine_with_categories_and_exclusions():
    spec = parse_spec("math.*+cs.AI-math.HO")
    assert spec == CategorySpec(("math", "cs.AI"), ("math.HO",))
    assert {"math.AG", "cs.AI", "math.HO"} <= spec.include_codes
    assert spec.exclude_codes == {"math.HO"}
    # A legacy category that is also an archive keeps its own papers.
    assert {"astro-ph", "astro-ph.GA"} <= parse_spec("astro-ph.*").include_codes


@pytest.mark.parametrize("text", ["*", "math*", "ma*th", "*.AG", "math.**"])
def test_a_wildcard_only_follows_an_archive(text):
    with pytest.raises(InvalidSpec, match=r"'\*'|not a category code"):
        parse_spec(text)


@pytest.mark.django_db
def test_filter_papers_on_papers_and_announcements(sample_papers):
    def ids(spec_text, queryset=None, field="pk"):
        queryset = Paper.objects.all() if queryset is None else queryset
        rows = filter_papers(queryset, parse_spec(spec_text), field)
        return set(rows.values_list("pk" if field == "pk" else "paper_id", flat=True))

    cv = {p.pk for p in Paper.objects.filter(category_links__category_id="cs.CV")}
    ai = {p.pk for p in Paper.objects.filter(category_links__category_id="cs.AI")}
    lg = {p.pk for p in Paper.objects.filter(category_links__category_id="cs.LG")}
    assert cv and ai and lg and cv & ai and ai - cv
    assert ids("cs.CV") == cv
    assert ids("cs.CV,cs.AI") == cv | ai
    assert ids("cs.CV+cs.AI-cs.LG") == (cv | ai) - lg
    assert ids("cs.CV-cs.AI", Announcement.objects.all(), "paper_id") == cv - ai
