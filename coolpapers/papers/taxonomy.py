"""The arXiv category taxonomy as plain data, and the loader that puts it in the database.

Source: arXiv's own definitions, ``arxiv/taxonomy/definitions.py`` in the arXiv/arxiv-base
repository (GROUPS, ARCHIVES, CATEGORIES, CATEGORY_ALIASES; commit 53735714), which is what
https://arxiv.org/category_taxonomy shows. Names are copied verbatim. Differences, on purpose:

* the internal "Test" group, archive and categories are left out;
* archives with an ``end_date`` there are ``active=False`` here (acc-phys, alg-geom, ...);
* categories keep arXiv's ``is_active``: the defunct archives-as-categories and the bare
  ``astro-ph``, ``cond-mat`` and ``q-bio`` that old papers list are inactive;
* aliases (math.IT = cs.IT, ...) stay separate categories, as arXiv lists papers under
  both names; ALIASES maps each alias to its canonical name.

Migration 0002_taxonomy imports this module, so it must stay backward compatible: only add
entries or correct names, never remove or rename a code that a migration may have loaded.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Model


class ArchiveDef(NamedTuple):
    code: str
    name: str
    group: str
    active: bool = True


class CategoryDef(NamedTuple):
    code: str
    name: str
    archive: str
    active: bool = True


PHYSICS = "Physics"
MATHEMATICS = "Mathematics"
COMPUTER_SCIENCE = "Computer Science"
QUANTITATIVE_BIOLOGY = "Quantitative Biology"
QUANTITATIVE_FINANCE = "Quantitative Finance"
STATISTICS = "Statistics"
EESS = "Electrical Engineering and Systems Science"
ECONOMICS = "Economics"

GROUPS: tuple[str, ...] = (
    COMPUTER_SCIENCE,
    ECONOMICS,
    EESS,
    MATHEMATICS,
    PHYSICS,
    QUANTITATIVE_BIOLOGY,
    QUANTITATIVE_FINANCE,
    STATISTICS,
)

ARCHIVES: tuple[ArchiveDef, ...] = (
    # Current archives.
    ArchiveDef("astro-ph", "Astrophysics", PHYSICS),
    ArchiveDef("cond-mat", "Condensed Matter", PHYSICS),
    ArchiveDef("cs", "Computer Science", COMPUTER_SCIENCE),
    ArchiveDef("econ", "Economics", ECONOMICS),
    ArchiveDef("eess", "Electrical Engineering and Systems Science", EESS),
    ArchiveDef("gr-qc", "General Relativity and Quantum Cosmology", PHYSICS),
    ArchiveDef("hep-ex", "High Energy Physics - Experiment", PHYSICS),
    ArchiveDef("hep-lat", "High Energy Physics - Lattice", PHYSICS),
    ArchiveDef("hep-ph", "High Energy Physics - Phenomenology", PHYSICS),
    ArchiveDef("hep-th", "High Energy Physics - Theory", PHYSICS),
    ArchiveDef("math", "Mathematics", MATHEMATICS),
    ArchiveDef("math-ph", "Mathematical Physics", PHYSICS),
    ArchiveDef("nlin", "Nonlinear Sciences", PHYSICS),
    ArchiveDef("nucl-ex", "Nuclear Experiment", PHYSICS),
    ArchiveDef("nucl-th", "Nuclear Theory", PHYSICS),
    ArchiveDef("physics", "Physics", PHYSICS),
    ArchiveDef("q-bio", "Quantitative Biology", QUANTITATIVE_BIOLOGY),
    ArchiveDef("q-fin", "Quantitative Finance", QUANTITATIVE_FINANCE),
    ArchiveDef("quant-ph", "Quantum Physics", PHYSICS),
    ArchiveDef("stat", "Statistics", STATISTICS),
    # Defunct archives, folded into categories of the archives above but still on old papers.
    ArchiveDef("acc-phys", "Accelerator Physics", PHYSICS, active=False),
    ArchiveDef("adap-org", "Adaptation, Noise, and Self-Organizing Systems", PHYSICS, active=False),
    ArchiveDef("alg-geom", "Algebraic Geometry", MATHEMATICS, active=False),
    ArchiveDef("ao-sci", "Atmospheric-Oceanic Sciences", PHYSICS, active=False),
    ArchiveDef("atom-ph", "Atomic, Molecular and Optical Physics", PHYSICS, active=False),
    ArchiveDef("bayes-an", "Bayesian Analysis", PHYSICS, active=False),
    ArchiveDef("chao-dyn", "Chaotic Dynamics", PHYSICS, active=False),
    ArchiveDef("chem-ph", "Chemical Physics", PHYSICS, active=False),
    ArchiveDef("cmp-lg", "Computation and Language", COMPUTER_SCIENCE, active=False),
    ArchiveDef("comp-gas", "Cellular Automata and Lattice Gases", PHYSICS, active=False),
    ArchiveDef("dg-ga", "Differential Geometry", MATHEMATICS, active=False),
    ArchiveDef("funct-an", "Functional Analysis", MATHEMATICS, active=False),
    ArchiveDef("mtrl-th", "Materials Theory", PHYSICS, active=False),
    ArchiveDef("patt-sol", "Pattern Formation and Solitons", PHYSICS, active=False),
    ArchiveDef("plasm-ph", "Plasma Physics", PHYSICS, active=False),
    ArchiveDef("q-alg", "Quantum Algebra and Topology", MATHEMATICS, active=False),
    ArchiveDef("solv-int", "Exactly Solvable and Integrable Systems", PHYSICS, active=False),
    ArchiveDef("supr-con", "Superconductivity", PHYSICS, active=False),
)

CATEGORIES: tuple[CategoryDef, ...] = (
    # Astrophysics
    CategoryDef("astro-ph", "Astrophysics", "astro-ph", active=False),
    CategoryDef("astro-ph.CO", "Cosmology and Nongalactic Astrophysics", "astro-ph"),
    CategoryDef("astro-ph.EP", "Earth and Planetary Astrophysics", "astro-ph"),
    CategoryDef("astro-ph.GA", "Astrophysics of Galaxies", "astro-ph"),
    CategoryDef("astro-ph.HE", "High Energy Astrophysical Phenomena", "astro-ph"),
    CategoryDef("astro-ph.IM", "Instrumentation and Methods for Astrophysics", "astro-ph"),
    CategoryDef("astro-ph.SR", "Solar and Stellar Astrophysics", "astro-ph"),
    # Condensed Matter
    CategoryDef("cond-mat", "Condensed Matter", "cond-mat", active=False),
    CategoryDef("cond-mat.dis-nn", "Disordered Systems and Neural Networks", "cond-mat"),
    CategoryDef("cond-mat.mes-hall", "Mesoscale and Nanoscale Physics", "cond-mat"),
    CategoryDef("cond-mat.mtrl-sci", "Materials Science", "cond-mat"),
    CategoryDef("cond-mat.other", "Other Condensed Matter", "cond-mat"),
    CategoryDef("cond-mat.quant-gas", "Quantum Gases", "cond-mat"),
    CategoryDef("cond-mat.soft", "Soft Condensed Matter", "cond-mat"),
    CategoryDef("cond-mat.stat-mech", "Statistical Mechanics", "cond-mat"),
    CategoryDef("cond-mat.str-el", "Strongly Correlated Electrons", "cond-mat"),
    CategoryDef("cond-mat.supr-con", "Superconductivity", "cond-mat"),
    # Computer Science
    CategoryDef("cs.AI", "Artificial Intelligence", "cs"),
    CategoryDef("cs.AR", "Hardware Architecture", "cs"),
    CategoryDef("cs.CC", "Computational Complexity", "cs"),
    CategoryDef("cs.CE", "Computational Engineering, Finance, and Science", "cs"),
    CategoryDef("cs.CG", "Computational Geometry", "cs"),
    CategoryDef("cs.CL", "Computation and Language", "cs"),
    CategoryDef("cs.CR", "Cryptography and Security", "cs"),
    CategoryDef("cs.CV", "Computer Vision and Pattern Recognition", "cs"),
    CategoryDef("cs.CY", "Computers and Society", "cs"),
    CategoryDef("cs.DB", "Databases", "cs"),
    CategoryDef("cs.DC", "Distributed, Parallel, and Cluster Computing", "cs"),
    CategoryDef("cs.DL", "Digital Libraries", "cs"),
    CategoryDef("cs.DM", "Discrete Mathematics", "cs"),
    CategoryDef("cs.DS", "Data Structures and Algorithms", "cs"),
    CategoryDef("cs.ET", "Emerging Technologies", "cs"),
    CategoryDef("cs.FL", "Formal Languages and Automata Theory", "cs"),
    CategoryDef("cs.GL", "General Literature", "cs"),
    CategoryDef("cs.GR", "Graphics", "cs"),
    CategoryDef("cs.GT", "Computer Science and Game Theory", "cs"),
    CategoryDef("cs.HC", "Human-Computer Interaction", "cs"),
    CategoryDef("cs.IR", "Information Retrieval", "cs"),
    CategoryDef("cs.IT", "Information Theory", "cs"),
    CategoryDef("cs.LG", "Machine Learning", "cs"),
    CategoryDef("cs.LO", "Logic in Computer Science", "cs"),
    CategoryDef("cs.MA", "Multiagent Systems", "cs"),
    CategoryDef("cs.MM", "Multimedia", "cs"),
    CategoryDef("cs.MS", "Mathematical Software", "cs"),
    CategoryDef("cs.NA", "Numerical Analysis", "cs"),
    CategoryDef("cs.NE", "Neural and Evolutionary Computing", "cs"),
    CategoryDef("cs.NI", "Networking and Internet Architecture", "cs"),
    CategoryDef("cs.OH", "Other Computer Science", "cs"),
    CategoryDef("cs.OS", "Operating Systems", "cs"),
    CategoryDef("cs.PF", "Performance", "cs"),
    CategoryDef("cs.PL", "Programming Languages", "cs"),
    CategoryDef("cs.RO", "Robotics", "cs"),
    CategoryDef("cs.SC", "Symbolic Computation", "cs"),
    CategoryDef("cs.SD", "Sound", "cs"),
    CategoryDef("cs.SE", "Software Engineering", "cs"),
    CategoryDef("cs.SI", "Social and Information Networks", "cs"),
    CategoryDef("cs.SY", "Systems and Control", "cs"),
    # Economics
    CategoryDef("econ.EM", "Econometrics", "econ"),
    CategoryDef("econ.GN", "General Economics", "econ"),
    CategoryDef("econ.TH", "Theoretical Economics", "econ"),
    # Electrical Engineering and Systems Science
    CategoryDef("eess.AS", "Audio and Speech Processing", "eess"),
    CategoryDef("eess.IV", "Image and Video Processing", "eess"),
    CategoryDef("eess.SP", "Signal Processing", "eess"),
    CategoryDef("eess.SY", "Systems and Control", "eess"),
    # Archives that are also categories
    CategoryDef("gr-qc", "General Relativity and Quantum Cosmology", "gr-qc"),
    CategoryDef("hep-ex", "High Energy Physics - Experiment", "hep-ex"),
    CategoryDef("hep-lat", "High Energy Physics - Lattice", "hep-lat"),
    CategoryDef("hep-ph", "High Energy Physics - Phenomenology", "hep-ph"),
    CategoryDef("hep-th", "High Energy Physics - Theory", "hep-th"),
    CategoryDef("math-ph", "Mathematical Physics", "math-ph"),
    CategoryDef("nucl-ex", "Nuclear Experiment", "nucl-ex"),
    CategoryDef("nucl-th", "Nuclear Theory", "nucl-th"),
    CategoryDef("quant-ph", "Quantum Physics", "quant-ph"),
    # Mathematics
    CategoryDef("math.AC", "Commutative Algebra", "math"),
    CategoryDef("math.AG", "Algebraic Geometry", "math"),
    CategoryDef("math.AP", "Analysis of PDEs", "math"),
    CategoryDef("math.AT", "Algebraic Topology", "math"),
    CategoryDef("math.CA", "Classical Analysis and ODEs", "math"),
    CategoryDef("math.CO", "Combinatorics", "math"),
    CategoryDef("math.CT", "Category Theory", "math"),
    CategoryDef("math.CV", "Complex Variables", "math"),
    CategoryDef("math.DG", "Differential Geometry", "math"),
    CategoryDef("math.DS", "Dynamical Systems", "math"),
    CategoryDef("math.FA", "Functional Analysis", "math"),
    CategoryDef("math.GM", "General Mathematics", "math"),
    CategoryDef("math.GN", "General Topology", "math"),
    CategoryDef("math.GR", "Group Theory", "math"),
    CategoryDef("math.GT", "Geometric Topology", "math"),
    CategoryDef("math.HO", "History and Overview", "math"),
    CategoryDef("math.IT", "Information Theory", "math"),
    CategoryDef("math.KT", "K-Theory and Homology", "math"),
    CategoryDef("math.LO", "Logic", "math"),
    CategoryDef("math.MG", "Metric Geometry", "math"),
    CategoryDef("math.MP", "Mathematical Physics", "math"),
    CategoryDef("math.NA", "Numerical Analysis", "math"),
    CategoryDef("math.NT", "Number Theory", "math"),
    CategoryDef("math.OA", "Operator Algebras", "math"),
    CategoryDef("math.OC", "Optimization and Control", "math"),
    CategoryDef("math.PR", "Probability", "math"),
    CategoryDef("math.QA", "Quantum Algebra", "math"),
    CategoryDef("math.RA", "Rings and Algebras", "math"),
    CategoryDef("math.RT", "Representation Theory", "math"),
    CategoryDef("math.SG", "Symplectic Geometry", "math"),
    CategoryDef("math.SP", "Spectral Theory", "math"),
    CategoryDef("math.ST", "Statistics Theory", "math"),
    # Nonlinear Sciences
    CategoryDef("nlin.AO", "Adaptation and Self-Organizing Systems", "nlin"),
    CategoryDef("nlin.CD", "Chaotic Dynamics", "nlin"),
    CategoryDef("nlin.CG", "Cellular Automata and Lattice Gases", "nlin"),
    CategoryDef("nlin.PS", "Pattern Formation and Solitons", "nlin"),
    CategoryDef("nlin.SI", "Exactly Solvable and Integrable Systems", "nlin"),
    # Physics
    CategoryDef("physics.acc-ph", "Accelerator Physics", "physics"),
    CategoryDef("physics.ao-ph", "Atmospheric and Oceanic Physics", "physics"),
    CategoryDef("physics.app-ph", "Applied Physics", "physics"),
    CategoryDef("physics.atm-clus", "Atomic and Molecular Clusters", "physics"),
    CategoryDef("physics.atom-ph", "Atomic Physics", "physics"),
    CategoryDef("physics.bio-ph", "Biological Physics", "physics"),
    CategoryDef("physics.chem-ph", "Chemical Physics", "physics"),
    CategoryDef("physics.class-ph", "Classical Physics", "physics"),
    CategoryDef("physics.comp-ph", "Computational Physics", "physics"),
    CategoryDef("physics.data-an", "Data Analysis, Statistics and Probability", "physics"),
    CategoryDef("physics.ed-ph", "Physics Education", "physics"),
    CategoryDef("physics.flu-dyn", "Fluid Dynamics", "physics"),
    CategoryDef("physics.gen-ph", "General Physics", "physics"),
    CategoryDef("physics.geo-ph", "Geophysics", "physics"),
    CategoryDef("physics.hist-ph", "History and Philosophy of Physics", "physics"),
    CategoryDef("physics.ins-det", "Instrumentation and Detectors", "physics"),
    CategoryDef("physics.med-ph", "Medical Physics", "physics"),
    CategoryDef("physics.optics", "Optics", "physics"),
    CategoryDef("physics.plasm-ph", "Plasma Physics", "physics"),
    CategoryDef("physics.pop-ph", "Popular Physics", "physics"),
    CategoryDef("physics.soc-ph", "Physics and Society", "physics"),
    CategoryDef("physics.space-ph", "Space Physics", "physics"),
    # Quantitative Biology
    CategoryDef("q-bio", "Quantitative Biology", "q-bio", active=False),
    CategoryDef("q-bio.BM", "Biomolecules", "q-bio"),
    CategoryDef("q-bio.CB", "Cell Behavior", "q-bio"),
    CategoryDef("q-bio.GN", "Genomics", "q-bio"),
    CategoryDef("q-bio.MN", "Molecular Networks", "q-bio"),
    CategoryDef("q-bio.NC", "Neurons and Cognition", "q-bio"),
    CategoryDef("q-bio.OT", "Other Quantitative Biology", "q-bio"),
    CategoryDef("q-bio.PE", "Populations and Evolution", "q-bio"),
    CategoryDef("q-bio.QM", "Quantitative Methods", "q-bio"),
    CategoryDef("q-bio.SC", "Subcellular Processes", "q-bio"),
    CategoryDef("q-bio.TO", "Tissues and Organs", "q-bio"),
    # Quantitative Finance
    CategoryDef("q-fin.CP", "Computational Finance", "q-fin"),
    CategoryDef("q-fin.EC", "Economics", "q-fin"),
    CategoryDef("q-fin.GN", "General Finance", "q-fin"),
    CategoryDef("q-fin.MF", "Mathematical Finance", "q-fin"),
    CategoryDef("q-fin.PM", "Portfolio Management", "q-fin"),
    CategoryDef("q-fin.PR", "Pricing of Securities", "q-fin"),
    CategoryDef("q-fin.RM", "Risk Management", "q-fin"),
    CategoryDef("q-fin.ST", "Statistical Finance", "q-fin"),
    CategoryDef("q-fin.TR", "Trading and Market Microstructure", "q-fin"),
    # Statistics
    CategoryDef("stat.AP", "Applications", "stat"),
    CategoryDef("stat.CO", "Computation", "stat"),
    CategoryDef("stat.ME", "Methodology", "stat"),
    CategoryDef("stat.ML", "Machine Learning", "stat"),
    CategoryDef("stat.OT", "Other Statistics", "stat"),
    CategoryDef("stat.TH", "Statistics Theory", "stat"),
    # Defunct archives used as categories on papers from the 1990s
    CategoryDef("acc-phys", "Accelerator Physics", "acc-phys", active=False),
    CategoryDef(
        "adap-org", "Adaptation, Noise, and Self-Organizing Systems", "adap-org", active=False
    ),
    CategoryDef("alg-geom", "Algebraic Geometry", "alg-geom", active=False),
    CategoryDef("ao-sci", "Atmospheric-Oceanic Sciences", "ao-sci", active=False),
    CategoryDef("atom-ph", "Atomic, Molecular and Optical Physics", "atom-ph", active=False),
    CategoryDef("bayes-an", "Bayesian Analysis", "bayes-an", active=False),
    CategoryDef("chao-dyn", "Chaotic Dynamics", "chao-dyn", active=False),
    CategoryDef("chem-ph", "Chemical Physics", "chem-ph", active=False),
    CategoryDef("cmp-lg", "Computation and Language", "cmp-lg", active=False),
    CategoryDef("comp-gas", "Cellular Automata and Lattice Gases", "comp-gas", active=False),
    CategoryDef("dg-ga", "Differential Geometry", "dg-ga", active=False),
    CategoryDef("funct-an", "Functional Analysis", "funct-an", active=False),
    CategoryDef("mtrl-th", "Materials Theory", "mtrl-th", active=False),
    CategoryDef("patt-sol", "Pattern Formation and Solitons", "patt-sol", active=False),
    CategoryDef("plasm-ph", "Plasma Physics", "plasm-ph", active=False),
    CategoryDef("q-alg", "Quantum Algebra and Topology", "q-alg", active=False),
    CategoryDef("solv-int", "Exactly Solvable and Integrable Systems", "solv-int", active=False),
    CategoryDef("supr-con", "Superconductivity", "supr-con", active=False),
)

# Alias -> canonical category; arXiv treats each pair as one listing.
ALIASES: dict[str, str] = {
    "math.MP": "math-ph",
    "stat.TH": "math.ST",
    "math.IT": "cs.IT",
    "q-fin.EC": "econ.GN",
    "cs.SY": "eess.SY",
    "cs.NA": "math.NA",
}


# Lookups by code; a category code outside CATEGORIES is not arXiv's, and ingestion rejects it.
ARCHIVE_BY_CODE: dict[str, ArchiveDef] = {a.code: a for a in ARCHIVES}
CATEGORY_BY_CODE: dict[str, CategoryDef] = {c.code: c for c in CATEGORIES}


def load_taxonomy(archive_model: type[Model], category_model: type[Model]) -> tuple[int, int]:
    """Upsert every archive and category; takes the model classes so migrations can pass
    their historical models. Returns the numbers of archives and categories written."""
    for archive in ARCHIVES:
        archive_model.objects.update_or_create(
            code=archive.code,
            defaults={"name": archive.name, "group": archive.group, "active": archive.active},
        )
    for category in CATEGORIES:
        category_model.objects.update_or_create(
            code=category.code,
            defaults={
                "name": category.name,
                "archive_id": category.archive,
                "active": category.active,
            },
        )
    return len(ARCHIVES), len(CATEGORIES)
