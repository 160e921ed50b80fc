"""The taxonomy data and what migration 0002 loads from it into Archive and Category."""

from __future__ import annotations

from collections import Counter

import pytest

from coolpapers.papers.models import Archive, Category
from coolpapers.papers.taxonomy import (
    ALIASES,
    ARCHIVES,
    CATEGORIES,
    GROUPS,
    load_taxonomy,
)

LEGACY = [
    "acc-phys",
    "adap-org",
    "alg-geom",
    "ao-sci",
    "atom-ph",
    "bayes-an",
    "chao-dyn",
    "chem-ph",
    "cmp-lg",
    "comp-gas",
    "dg-ga",
    "funct-an",
    "mtrl-th",
    "patt-sol",
    "plasm-ph",
    "q-alg",
    "solv-int",
    "supr-con",
]


def test_data_has_no_duplicates_and_every_category_has_its_archive() -> None:
    archive_codes = [a.code for a in ARCHIVES]
    category_codes = [c.code for c in CATEGORIES]
    assert len(set(archive_codes)) == len(archive_codes)
    assert len(set(category_codes)) == len(category_codes)
    assert {a.group for a in ARCHIVES} == set(GROUPS)
    for category in CATEGORIES:
        assert category.archive in archive_codes, category
        assert category.code.partition(".")[0] == category.archive, category


@pytest.mark.django_db
def test_migration_loaded_every_archive_and_category() -> None:
    assert Archive.objects.count() == len(ARCHIVES) == 38
    assert Category.objects.count() == len(CATEGORIES) == 176
    assert set(Archive.objects.values_list("group", flat=True)) == set(GROUPS)
    assert len(GROUPS) == 8


@pytest.mark.django_db
def test_category_counts_per_archive_match_arxiv() -> None:
    subject_counts = Counter(
        code.partition(".")[0]
        for code in Category.objects.values_list("code", flat=True)
        if "." in code
    )
    assert subject_counts == {
        "cs": 40,
        "math": 32,
        "physics": 22,
        "q-bio": 10,
        "cond-mat": 9,
        "q-fin": 9,
        "astro-ph": 6,
        "stat": 6,
        "nlin": 5,
        "eess": 4,
        "econ": 3,
    }
    per_group = Counter(Category.objects.values_list("archive__group", flat=True))
    assert per_group["Physics"] > 60
    assert per_group["Computer Science"] == 41  # cs.* and the defunct cmp-lg
    assert per_group["Mathematics"] == 36  # math.* and alg-geom, dg-ga, funct-an, q-alg


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name", "archive"),
    [
        ("cs.AI", "Artificial Intelligence", "cs"),
        ("cs.CL", "Computation and Language", "cs"),
        ("cs.LG", "Machine Learning", "cs"),
        ("cs.CE", "Computational Engineering, Finance, and Science", "cs"),
        ("stat.ML", "Machine Learning", "stat"),
        ("math.GT", "Geometric Topology", "math"),
        ("astro-ph.GA", "Astrophysics of Galaxies", "astro-ph"),
        ("cond-mat.mes-hall", "Mesoscale and Nanoscale Physics", "cond-mat"),
        ("hep-th", "High Energy Physics - Theory", "hep-th"),
        ("quant-ph", "Quantum Physics", "quant-ph"),
        ("physics.data-an", "Data Analysis, Statistics and Probability", "physics"),
        ("eess.AS", "Audio and Speech Processing", "eess"),
        ("econ.EM", "Econometrics", "econ"),
        ("q-fin.TR", "Trading and Market Microstructure", "q-fin"),
        ("nlin.AO", "Adaptation and Self-Organizing Systems", "nlin"),
    ],
)
def test_real_names(code: str, name: str, archive: str) -> None:
    category = Category.objects.get(code=code)
    assert (category.name, category.archive_id, category.active) == (name, archive, True)


@pytest.mark.django_db
def test_archives_and_groups() -> None:
    assert Archive.objects.get(code="cs").group == "Computer Science"
    assert Archive.objects.get(code="eess").group == "Electrical Engineering and Systems Science"
    assert Archive.objects.get(code="math-ph").group == "Physics"
    assert Archive.objects.get(code="nlin").name == "Nonlinear Sciences"
    assert Archive.objects.get(code="alg-geom").group == "Mathematics"
    assert Archive.objects.get(code="cmp-lg").group == "Computer Science"


@pytest.mark.django_db
def test_legacy_archives_and_categories_are_inactive() -> None:
    for code in LEGACY:
        assert Archive.objects.get(code=code).active is False, code
        category = Category.objects.get(code=code)
        assert (category.archive_id, category.active) == (code, False)
    # Bare archive names that old papers list as categories.
    for code in ("astro-ph", "cond-mat", "q-bio"):
        assert Category.objects.get(code=code).active is False
        assert Archive.objects.get(code=code).active is True
    assert not Archive.objects.filter(code="test").exists()


@pytest.mark.django_db
def test_aliases_are_categories_of_their_own() -> None:
    assert ALIASES == {
        "math.MP": "math-ph",
        "stat.TH": "math.ST",
        "math.IT": "cs.IT",
        "q-fin.EC": "econ.GN",
        "cs.SY": "eess.SY",
        "cs.NA": "math.NA",
    }
    for alias, canonical in ALIASES.items():
        a, c = Category.objects.get(code=alias), Category.objects.get(code=canonical)
        assert a.archive_id != c.archive_id
        assert a.active and c.active
    assert Category.objects.get(code="math.IT").name == "Information Theory"


@pytest.mark.django_db
def test_load_taxonomy_is_idempotent_and_repairs_rows() -> None:
    Category.objects.filter(code="cs.AI").update(name="Wrong", active=False)
    Archive.objects.filter(code="cs").update(group="Elsewhere")
    assert load_taxonomy(Archive, Category) == (38, 176)
    assert load_taxonomy(Archive, Category) == (38, 176)
    assert Archive.objects.count() == 38
    assert Category.objects.count() == 176
    cs_ai = Category.objects.get(code="cs.AI")
    assert (cs_ai.name, cs_ai.active) == ("Artificial Intelligence", True)
    assert Archive.objects.get(code="cs").group == "Computer Science"
