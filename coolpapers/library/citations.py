"""Citations in and out: BibTeX and RIS export of papers, and import of a reference manager's
file (a Zotero or Mendeley export) matched to the papers we hold.

Export: the @misc entry arXiv's own "Export BibTeX citation" gives (eprint, archivePrefix,
primaryClass), and RIS through rispy. Import: every entry is matched by its arXiv id (an
`eprint` field, an arxiv.org URL, `arXiv:…` in a note, journal or number field, an arXiv DOI
10.48550/arXiv.…), else by DOI (Paper.doi), else by its title, compared after folding
accents, TeX and punctuation away. A file that cannot be read is refused whole
(`CitationError`): nothing of it is stored.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from coolpapers.papers.arxiv_ids import InvalidArxivId, abs_url, parse_arxiv_id
from coolpapers.papers.models import Paper
from coolpapers.papers.text import fold, squash

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_STOPWORDS = frozenset({"a", "an", "and", "for", "from", "in", "of", "on", "the", "to", "with"})
_WORD = re.compile(r"[a-z]+")
_AFFILIATION = re.compile(r"\s*\([^()]*\)")

# An import bigger than this is refused: a library of 10,000 references is about 5 MB.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ENTRIES = 10_000


# --- export -------------------------------------------------------------------------------


def without_affiliation(name: str) -> str:
    """`Andrea Brignole (CERN-TH)` -> `Andrea Brignole`: reference managers want bare names."""
    return squash(_AFFILIATION.sub("", name)) or squash(name)


def citation_key(paper: Paper, year: int | None) -> str:
    """`surname` + year + first significant title word, ASCII: `balazs2007calculation`."""
    surname = ""
    if paper.authors:
        words = _WORD.findall(fold(without_affiliation(paper.authors[0])))
        surname = words[-1] if words else ""
    title_words = [w for w in _WORD.findall(fold(paper.title)) if w not in _STOPWORDS]
    return f"{surname or 'arxiv'}{year or ''}{title_words[0] if title_words else ''}"


def first_version_month(paper: Paper) -> tuple[int, int] | None:
    """Year and month of v1: its date when stored, else the YYMM every arXiv id starts with."""
    versions = list(paper.versions.all())
    first: date | datetime | None = versions[0].submitted if versions else paper.submitted
    if first:
        return first.year, first.month
    yymm = paper.arxiv_id.rpartition("/")[2][:4]
    if len(yymm) == 4 and yymm.isdigit():
        year = int(yymm[:2])
        # Old-style ids run from 9108 to 0703, new-style ones from 0704 on.
        return (1900 + year if year >= 91 else 2000 + year), int(yymm[2:])
    return None


def _braced(text: str) -> str:
    """Field text inside {...}: unbalanced braces would end the field early, so drop them."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        text = text.replace("{", "").replace("}", "")
    return "{" + text + "}"


def bibtex_entry(paper: Paper, *, key: str | None = None, note: str = "") -> str:
    """The @misc entry; `paper.versions` should be prefetched (it dates the entry). A reader's
    note goes in `annote`, the field Zotero and JabRef read notes from."""
    first = first_version_month(paper)
    fields: list[tuple[str, str]] = [
        ("title", _braced(squash(paper.title))),
        ("author", _braced(" and ".join(without_affiliation(a) for a in paper.authors))),
    ]
    if first:
        fields += [("year", _braced(str(first[0]))), ("month", MONTHS[first[1] - 1])]
    fields += [
        ("eprint", _braced(paper.arxiv_id)),
        ("archivePrefix", "{arXiv}"),
        ("primaryClass", _braced(paper.primary_category_id)),
        ("url", _braced(abs_url(paper.arxiv_id))),
    ]
    if paper.doi:
        fields.append(("doi", _braced(paper.doi)))
    if note.strip():
        fields.append(("annote", _braced(note.strip())))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    key = key or citation_key(paper, first[0] if first else None)
    return f"@misc{{{key},\n{body}\n}}\n"


def bibtex_export(papers: Iterable[Paper], notes: dict[str, str] | None = None) -> str:
    """A .bib file of these papers; keys made unique (`…a`, `…b`) as BibTeX requires."""
    notes = notes or {}
    seen: dict[str, int] = {}
    parts = []
    for paper in papers:
        first = first_version_month(paper)
        key = citation_key(paper, first[0] if first else None)
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            key = f"{key}{_suffix(count)}"
        parts.append(bibtex_entry(paper, key=key, note=notes.get(paper.pk, "")))
    return "\n".join(parts)


def _suffix(count: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa: the letters BibTeX styles append to same-year keys."""
    letters = ""
    while count:
        count, rest = divmod(count - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def ris_record(paper: Paper, note: str = "") -> dict:
    """One RIS record (rispy's field names); `paper.versions` should be prefetched."""
    first = first_version_month(paper)
    versions = list(paper.versions.all())
    submitted = versions[0].submitted if versions else paper.submitted
    record: dict = {
        "type_of_reference": "UNPB",
        "title": squash(paper.title),
        "authors": [without_affiliation(a) for a in paper.authors],
        "abstract": squash(paper.abstract),
        "urls": [abs_url(paper.arxiv_id)],
        "notes": [f"arXiv:{paper.arxiv_id} [{paper.primary_category_id}]"],
        "publisher": "arXiv",
        "accession_number": f"arXiv:{paper.arxiv_id}",
    }
    if first:
        record["year"] = str(first[0])
    if submitted:
        record["date"] = submitted.strftime("%Y/%m/%d")
    if paper.doi:
        record["doi"] = paper.doi.split()[0]
    if note.strip():
        record["notes"].append(note.strip())
    return record


def ris_export(papers: Iterable[Paper], notes: dict[str, str] | None = None) -> str:
    """A .ris file of these papers."""
    import rispy

    class Writer(rispy.RisWriter):
        def set_header(self, count: int) -> str:
            return ""  # no "1." line before each record: reference managers expect TY first

    notes = notes or {}
    records = [ris_record(paper, notes.get(paper.pk, "")) for paper in papers]
    return rispy.dumps(records, implementation=Writer) if records else ""


# --- import -------------------------------------------------------------------------------


class CitationError(ValueError):
    """The file is refused whole; the message says why, for the reader."""


@dataclass
class Reference:
    """One entry of an imported file, as much of it as matching needs."""

    title: str = ""
    arxiv_ids: list[str] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)


# arXiv ids where reference managers put them: arxiv.org/abs/…, arXiv:…, arXiv …, and the
# DOIs arXiv registers (10.48550/arXiv.2401.01234).
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|arxiv\s*[:.]?\s*)"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z]+(?:-[a-z]+)?(?:\.[a-z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_TEX_COMMAND = re.compile(r"\\[a-zA-Z]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Fields that hold prose, never an identifier: skipped when looking for arXiv ids.
_PROSE = frozenset({"abstract", "title", "keywords", "file", "annote", "note_abstract"})


def _arxiv_ids_in(text: str) -> list[str]:
    found = []
    for match in _ARXIV_IN_TEXT.finditer(text):
        raw = match.group(1)
        if "/" in raw:  # old style: the archive is lower case, its subject class upper
            archive, _, number = raw.partition("/")
            name, dot, subject = archive.partition(".")
            raw = f"{name.lower()}{dot}{subject.upper()}/{number}"
        try:
            found.append(parse_arxiv_id(raw).id)
        except InvalidArxivId:
            continue
    return found


def _clean_doi(text: str) -> str | None:
    match = _DOI.search(text)
    return match.group(0).rstrip(".,;").lower() if match else None


def normalised_title(title: str) -> str:
    """A title compared by its letters and digits alone: case, accents, TeX commands,
    braces, math delimiters, punctuation and spacing differ between exports and arXiv."""
    folded = fold(title)
    return _NOT_ALNUM.sub("", _TEX_COMMAND.sub(" ", folded))


def _reference(fields: dict[str, str], identifiers: dict[str, str]) -> Reference:
    """A Reference from an entry's fields (lower-case names, text values)."""
    reference = Reference(title=squash(fields.get("title", "")))
    eprint = fields.get("eprint", "").strip()
    if eprint:
        prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").lower()
        if "arxiv" in prefix:
            with contextlib.suppress(InvalidArxivId):
                reference.arxiv_ids.append(parse_arxiv_id(eprint).id)
    for name, value in identifiers.items():
        if name not in _PROSE:
            reference.arxiv_ids += _arxiv_ids_in(value)
    doi = _clean_doi(fields.get("doi", ""))
    if doi:
        if doi.startswith("10.48550/arxiv."):
            reference.arxiv_ids += _arxiv_ids_in(doi.replace("10.48550/", ""))
        else:
            reference.dois.append(doi)
    reference.arxiv_ids = list(dict.fromkeys(reference.arxiv_ids))
    return reference


def parse_bibtex(text: str) -> list[Reference]:
    """The entries of a .bib file; a block that is no valid entry refuses the file."""
    import bibtexparser
    from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock

    library = bibtexparser.parse_string(text)
    failed = [
        block
        for block in library.failed_blocks
        if isinstance(block, ParsingFailedBlock) and not isinstance(block, DuplicateBlockKeyBlock)
    ]
    if failed:
        block = failed[0]
        line = (block.start_line or 0) + 1
        raise CitationError(f"not valid BibTeX at line {line}: {_reason(block)}")
    entries = list(library.entries)
    entries += [
        block.ignore_error_block
        for block in library.failed_blocks
        if isinstance(block, DuplicateBlockKeyBlock) and block.ignore_error_block is not None
    ]
    references = []
    for entry in entries:
        fields = {f.key.lower(): _text(f.value) for f in entry.fields}
        references.append(_reference(_detex_title(fields), fields))
    return references


def _reason(block) -> str:
    lines = [line.strip() for line in str(getattr(block, "error", "") or "").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:200] if lines else "the entry is not complete"


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return str(value)


def _detex_title(fields: dict[str, str]) -> dict[str, str]:
    """The title without the braces BibTeX uses to keep capitals: `{BERT}: Pre-training…`."""
    title = fields.get("title", "")
    return {**fields, "title": title.replace("{", "").replace("}", "")}


def parse_ris(text: str) -> list[Reference]:
    """The records of a .ris file (rispy); a file rispy cannot read is refused."""
    import rispy

    try:
        records = rispy.loads(text)
    except Exception as exc:  # rispy raises IOError, ValueError and KeyError on bad input
        raise CitationError(f"not valid RIS: {str(exc).splitlines()[0][:200]}") from exc
    starts = len(re.findall(r"^\s*TY  - ", text, re.MULTILINE))
    if starts != len(records):
        raise CitationError(
            f"not valid RIS: {starts} records start with TY but {len(records)} end with ER"
        )
    references = []
    for record in records:
        title = ""
        for name in ("title", "primary_title", "translated_title"):
            if record.get(name):
                title = _text(record[name])
                break
        identifiers = {name: _text(value) for name, value in record.items()}
        fields = {"title": title, "doi": _text(record.get("doi", ""))}
        references.append(_reference(fields, identifiers))
    return references


def read_file(name: str, data: bytes) -> list[Reference]:
    """The references of an uploaded .bib or .ris file, by its name or else its content."""
    if len(data) > MAX_IMPORT_BYTES:
        raise CitationError(
            f"the file is {len(data) / 1048576:.1f} MB; at most "
            f"{MAX_IMPORT_BYTES // 1048576} MB can be imported at once"
        )
    if b"\x00" in data:
        raise CitationError("this is not a text file: export BibTeX (.bib) or RIS (.ris)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    kind = detect_format(name, text)
    references = parse_bibtex(text) if kind == "bibtex" else parse_ris(text)
    if not references:
        raise CitationError("the file holds no entries")
    if len(references) > MAX_IMPORT_ENTRIES:
        raise CitationError(
            f"the file holds {len(references)} entries; at most {MAX_IMPORT_ENTRIES} at once"
        )
    return references


def detect_format(name: str, text: str) -> str:
    """ "bibtex" or "ris": by the file's extension, else by what its first entry looks like."""
    lowered = name.lower()
    if lowered.endswith((".bib", ".bibtex")):
        return "bibtex"
    if lowered.endswith(".ris"):
        return "ris"
    if re.search(r"^\s*TY  - ", text, re.MULTILINE):
        return "ris"
    if re.search(r"@\s*[A-Za-z]+\s*[{(]", text):
        return "bibtex"
    raise CitationError("neither BibTeX nor RIS: export your library as .bib or .ris")


def match_references(references: Sequence[Reference]) -> list[str | None]:
    """The paper each reference is, by arXiv id, DOI, then normalised title; None: not held.

    A few queries whatever the number of references; titles are compared against every
    paper's only for references that neither id found (one pass over the titles).
    """
    result: list[str | None] = [None] * len(references)
    wanted = {aid for ref in references for aid in ref.arxiv_ids}
    held = (
        set(Paper.objects.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
    )
    for i, ref in enumerate(references):
        result[i] = next((aid for aid in ref.arxiv_ids if aid in held), None)

    dois = {doi for i, ref in enumerate(references) if result[i] is None for doi in ref.dois}
    if dois:
        by_doi = _papers_by_doi(dois)
        for i, ref in enumerate(references):
            if result[i] is None:
                result[i] = next((by_doi[d] for d in ref.dois if d in by_doi), None)

    titles = {
        normalised_title(ref.title): i
        for i, ref in enumerate(references)
        if result[i] is None and len(normalised_title(ref.title)) >= 8
    }
    if titles:
        for pk, title in Paper.objects.values_list("pk", "title").iterator(chunk_size=5000):
            index = titles.get(_title_key(title))
            if index is not None and result[index] is None:
                result[index] = pk
        for i, ref in enumerate(references):
            if result[i] is None and normalised_title(ref.title) in titles:
                first = titles[normalised_title(ref.title)]
                result[i] = result[first]
    return result


def _papers_by_doi(dois: set[str]) -> dict[str, str]:
    """Paper ids by lower-case DOI, in one query (a DOI is case-insensitive)."""
    from django.db.models.functions import Lower

    rows = Paper.objects.annotate(doi_lower=Lower("doi")).filter(doi_lower__in=dois)
    found: dict[str, str] = {}
    for pk, doi in rows.values_list("pk", "doi_lower"):
        found.setdefault(doi, pk)
    return found


def _title_key(title: str) -> str:
    """normalised_title, fast for the plain ASCII titles most papers have."""
    if title.isascii() and "\\" not in title:
        return _NOT_ALNUM.sub("", title.lower())
    return normalised_title(title)
