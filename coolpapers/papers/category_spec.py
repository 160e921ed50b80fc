"""Category specs: the `cs.CL`, `cs.AI,cs.CL` and `cs.AI+cs.LG-cs.CY` part of a list URL.

A spec is a union of categories minus a union of categories. `,` and `+` both join included
categories; `-` puts the category after it on the exclusion side, wherever it stands, so
`cs.AI-cs.CY+cs.LG` is the same list as `cs.AI+cs.LG-cs.CY`: a paper is listed when it is
in at least one included category and in no excluded one (exclusion always wins).

Category codes themselves contain hyphens (`hep-th`, `cond-mat.mes-hall`), so `hep-th-hep-ph`
can only be split with the list of known codes: at each position the longest known code
wins. An archive with sub-categories stands for all of them, written `math` or `math.*`
(`math.*-math.HO` is every math category but History and Overview); the spec keeps the
archive as written, so its URL stays `math`. Codes match case-insensitively (`cs.cl` is
`cs.CL`). The daily lists and the search
engine share this module: `parse_spec` turns text into a `CategorySpec`, `filter_papers`
applies one to any queryset of papers or of rows pointing at papers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from coolpapers.papers.models import PaperCategory
from coolpapers.papers.taxonomy import ALIASES, CATEGORIES

MAX_LENGTH = 300
MAX_CODES = 20

_ALLOWED = re.compile(r"[A-Za-z.,+\-*]+", re.ASCII)
_WILDCARD = re.compile(r"(?<=[A-Za-z])\.\*(?=$|[,+\-])", re.ASCII)
_CODE_SHAPE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?", re.ASCII)
_GROUP_SEPARATORS = re.compile(r"[,+]")

# An alias and its canonical code name one arXiv listing (math.IT is cs.IT): a spec naming
# either selects papers tagged with either.
_SAME_LISTING: dict[str, frozenset[str]] = {}
for _alias, _canonical in ALIASES.items():
    _pair = frozenset({_alias, _canonical})
    _SAME_LISTING[_alias] = _SAME_LISTING[_canonical] = _pair

# Archives whose categories carry a sub-code (math.AG, cs.CL, astro-ph.GA): the archive's
# name alone selects every one of them.
ARCHIVE_CATEGORIES: dict[str, frozenset[str]] = {}
for _category in CATEGORIES:
    if "." in _category.code:
        _archive = _category.code.split(".", 1)[0]
        ARCHIVE_CATEGORIES[_archive] = ARCHIVE_CATEGORIES.get(_archive, frozenset()) | {
            _category.code
        }


class InvalidSpec(ValueError):
    """The text is not a category spec; the message says why (a 400 for the reader)."""


class UnknownCategory(InvalidSpec):
    """The spec is well formed but names categories that do not exist (a 404)."""

    def __init__(self, codes: Iterable[str]):
        self.codes = tuple(codes)
        noun = "category" if len(self.codes) == 1 else "categories"
        super().__init__(f"no arXiv {noun} {', '.join(self.codes)}")


@dataclass(frozen=True)
class CategorySpec:
    """Included and excluded category codes, canonical spelling, in the order given."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def __str__(self) -> str:
        """The canonical URL form: `a,b` for a plain union, `a+b-c` with exclusions."""
        if not self.exclude:
            return ",".join(self.include)
        return "+".join(self.include) + "".join(f"-{code}" for code in self.exclude)

    @property
    def include_codes(self) -> frozenset[str]:
        """Included codes with their aliases: what a paper's category is matched against."""
        return _with_aliases(self.include)

    @property
    def exclude_codes(self) -> frozenset[str]:
        return _with_aliases(self.exclude)

    def is_cross_list(self, primary_category: str) -> bool:
        """A paper whose primary category is not an included one is a cross-list here."""
        return primary_category not in self.include_codes


def _with_aliases(codes: Iterable[str]) -> frozenset[str]:
    expanded: set[str] = set()
    for code in codes:
        for member in ARCHIVE_CATEGORIES.get(code, frozenset()) | {code}:
            expanded |= _SAME_LISTING.get(member, {member})
    return frozenset(expanded)


def default_known_codes() -> frozenset[str]:
    """arXiv's taxonomy; callers with a database pass its categories instead."""
    return frozenset(category.code for category in CATEGORIES) | frozenset(ALIASES)


def parse_spec(text: str, known: Iterable[str] | None = None) -> CategorySpec:
    """Parse a spec against the known category codes (default: arXiv's taxonomy).

    Raises `InvalidSpec` for malformed text and `UnknownCategory` (a subclass) when the text
    is well formed but names a category that is not known.
    """
    if not isinstance(text, str) or not text:
        raise InvalidSpec("the category list is empty")
    if len(text) > MAX_LENGTH:
        raise InvalidSpec(f"a category list is at most {MAX_LENGTH} characters")
    text = _WILDCARD.sub("", text)  # `math.*` is the archive `math`
    if not _ALLOWED.fullmatch(text) or "*" in text:
        bad = sorted({ch for ch in text if not _ALLOWED.fullmatch(ch) or ch == "*"})
        shown = " ".join(repr(ch) for ch in bad)
        raise InvalidSpec(
            f"{shown} cannot appear in a category list "
            "(use category codes joined by ',' or '+', '-' before an excluded one, "
            "and '.*' only after an archive, as in math.*)"
        )
    by_lower = {code.lower(): code for code in (default_known_codes() if known is None else known)}
    by_lower.update((archive.lower(), archive) for archive in ARCHIVE_CATEGORIES)

    include: list[str] = []
    exclude: list[str] = []
    unknown: list[str] = []
    for group in _GROUP_SEPARATORS.split(text):
        if not group:
            raise InvalidSpec(f"{text!r} has an empty entry between separators")
        pieces = group.split("-")
        # A group may start with '-' (`cs.AI,-cs.CY`): then it only excludes.
        excluding = pieces[0] == ""
        if excluding:
            pieces = pieces[1:]
        for code, known_code in _split_codes(pieces, by_lower, text):
            if not known_code:
                unknown.append(code)
            target = exclude if excluding else include
            if code not in target:
                target.append(code)
            excluding = True  # every code after the first of a group follows a '-'

    if unknown:
        raise UnknownCategory(dict.fromkeys(unknown))
    if not include:
        raise InvalidSpec(f"{text!r} excludes categories but includes none")
    if len(include) + len(exclude) > MAX_CODES:
        raise InvalidSpec(f"a category list names at most {MAX_CODES} categories")
    both = [code for code in include if code in exclude]
    if both:
        raise InvalidSpec(f"{', '.join(both)} is both included and excluded")
    return CategorySpec(tuple(include), tuple(exclude))


def _split_codes(
    pieces: list[str], by_lower: dict[str, str], text: str
) -> Iterable[tuple[str, bool]]:
    """Join hyphen-separated pieces back into codes, longest known code first.

    Yields (code, is_known). An unknown stretch runs up to the next piece that starts a
    known code, so `cs.XX-cs.CY` reports `cs.XX` and still excludes cs.CY.
    """
    if any(piece == "" for piece in pieces):
        raise InvalidSpec(f"{text!r} has an empty category next to a '-'")

    def known_at(start: int) -> int:
        for end in range(len(pieces), start, -1):
            if "-".join(pieces[start:end]).lower() in by_lower:
                return end
        return 0

    i = 0
    while i < len(pieces):
        end = known_at(i)
        if end:
            yield by_lower["-".join(pieces[i:end]).lower()], True
        else:
            end = next((j for j in range(i + 1, len(pieces)) if known_at(j)), len(pieces))
            code = "-".join(pieces[i:end])
            if not _CODE_SHAPE.fullmatch(code):
                raise InvalidSpec(f"{code!r} is not a category code (e.g. cs.CL, hep-th)")
            yield code, False
        i = end


def filter_papers(queryset: QuerySet, spec: CategorySpec, paper_field: str = "pk") -> QuerySet:
    """Keep the rows whose paper is in an included category and in no excluded one.

    `paper_field` names the paper's id on the queryset's model: "pk" for papers,
    "paper_id" for announcements or any row with a paper foreign key. Correlated EXISTS
    probes of the (paper, category) index keep this cheap when the queryset is already
    narrowed (one day, one page of search hits).
    """
    links = PaperCategory.objects.filter(paper_id=OuterRef(paper_field))
    queryset = queryset.filter(Exists(links.filter(category_id__in=spec.include_codes)))
    if spec.exclude:
        queryset = queryset.exclude(Exists(links.filter(category_id__in=spec.exclude_codes)))
    return queryset
