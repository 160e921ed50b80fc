"""BibTeX export in the shape arXiv's own "Export BibTeX citation" gives (@misc + eprint).

One implementation for a paper's /bibtex and a library collection's .bib export: both come
from coolpapers.library.citations.
"""

from __future__ import annotations

from coolpapers.library.citations import (
    MONTHS,
    bibtex_entry,
    citation_key,
    first_version_month,
)

__all__ = ["MONTHS", "bibtex_entry", "citation_key", "first_version_month"]
