"""What the library's pages and API do to collections, in one place: each check says what is
wrong with the reader's input (`LibraryError`, a field and a message) before anything is
stored, so a page shows it beside the field and the API answers a 400 naming the field.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, DateTimeField, F, QuerySet
from django.db.models.functions import Cast, Coalesce

from coolpapers.library import citations
from coolpapers.library.citations import Reference, match_references
from coolpapers.library.models import Collection, SavedPaper, new_token
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.models import Paper

NAME_LENGTH = 100
DESCRIPTION_LENGTH = 2000
KEYWORDS_LENGTH = 1000
NOTE_LENGTH = 20_000


class LibraryError(ValueError):
    """Input refused; `field` names the form field or API key it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def collections_of(user) -> QuerySet[Collection]:
    """The reader's collections, oldest first, each with `paper_count`."""
    return Collection.objects.filter(owner=user).annotate(paper_count=Count("items"))


def owned(user, collection_id: object) -> Collection | None:
    """The reader's collection with this id; None for another's or a missing one (a 404)."""
    try:
        pk = int(str(collection_id))
    except ValueError:
        return None
    if not 0 < pk < 2**63:  # beyond a bigint: no row, and no database error either
        return None
    return Collection.objects.filter(owner=user, pk=pk).first()


def clean_name(user, name: object, *, exclude: int | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise LibraryError("name", "Give the collection a name.")
    name = " ".join(name.split())
    if len(name) > NAME_LENGTH:
        raise LibraryError("name", f"A name is at most {NAME_LENGTH} characters.")
    others = Collection.objects.filter(owner=user, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise LibraryError("name", f"You already have a collection named “{name}”.")
    return name


def clean_keywords(keywords: object) -> str:
    """Comma-separated keywords, each trimmed, empty ones and repeats dropped."""
    if not isinstance(keywords, str):
        raise LibraryError("keywords", "Keywords are text, separated by commas.")
    words = list(dict.fromkeys(" ".join(k.split()) for k in keywords.split(",")))
    text = ", ".join(w for w in words if w)
    if len(text) > KEYWORDS_LENGTH:
        raise LibraryError("keywords", f"Keywords are at most {KEYWORDS_LENGTH} characters.")
    return text


def clean_description(description: object) -> str:
    if not isinstance(description, str):
        raise LibraryError("description", "A description is text.")
    if len(description) > DESCRIPTION_LENGTH:
        raise LibraryError(
            "description", f"A description is at most {DESCRIPTION_LENGTH} characters."
        )
    return description.strip()


def clean_note(note: object) -> str:
    if not isinstance(note, str):
        raise LibraryError("note", "A note is text (Markdown with LaTeX).")
    if len(note) > NOTE_LENGTH:
        raise LibraryError("note", f"A note is at most {NOTE_LENGTH:,} characters.")
    return note.strip()


def create_collection(
    user, name: object, *, description: object = "", keywords: object = "", is_profile: bool = True
) -> Collection:
    with transaction.atomic():
        collection = Collection(
            owner=user,
            name=clean_name(user, name),
            description=clean_description(description),
            keywords=clean_keywords(keywords),
            is_profile=bool(is_profile),
        )
        try:
            with transaction.atomic():
                collection.save()
        except IntegrityError as exc:  # a concurrent create of the same name
            raise LibraryError("name", "You already have a collection of that name.") from exc
    return collection


def update_collection(collection: Collection, changes: dict) -> Collection:
    """Apply the given fields (name, description, keywords, is_profile); all checked first."""
    cleaned: dict = {}
    if "name" in changes:
        cleaned["name"] = clean_name(collection.owner, changes["name"], exclude=collection.pk)
    if "description" in changes:
        cleaned["description"] = clean_description(changes["description"])
    if "keywords" in changes:
        cleaned["keywords"] = clean_keywords(changes["keywords"])
    if "is_profile" in changes:
        if not isinstance(changes["is_profile"], bool):
            raise LibraryError("is_profile", "is_profile is true or false.")
        cleaned["is_profile"] = changes["is_profile"]
    for name, value in cleaned.items():
        setattr(collection, name, value)
    if cleaned:
        try:
            with transaction.atomic():
                collection.save(update_fields=[*cleaned, "updated_at"])
        except IntegrityError as exc:
            raise LibraryError("name", "You already have a collection of that name.") from exc
    return collection


def paper_by_id(raw: object, field_name: str = "paper") -> Paper:
    """The paper an arXiv id in any form names; LibraryError when malformed or not held."""
    try:
        arxiv_id = parse_arxiv_id(raw if isinstance(raw, str) else "").id
    except InvalidArxivId as exc:
        raise LibraryError(field_name, str(exc)) from exc
    paper = Paper.objects.filter(pk=arxiv_id).first()
    if paper is None:
        raise LibraryError(field_name, f"paper {arxiv_id} is not in our database")
    return paper


def save_paper(
    collection: Collection, paper: Paper, note: str | None = None
) -> tuple[SavedPaper, bool]:
    """Put the paper in the collection (once); a given note replaces the stored one."""
    with transaction.atomic():
        item, created = SavedPaper.objects.get_or_create(
            collection=collection, paper=paper, defaults={"note": clean_note(note or "")}
        )
        if not created and note is not None:
            item.note = clean_note(note)
            item.save(update_fields=["note", "updated_at"])
    return item, created


def remove_paper(collection: Collection, arxiv_id: str) -> bool:
    deleted, _ = SavedPaper.objects.filter(collection=collection, paper_id=arxiv_id).delete()
    return bool(deleted)


def set_membership(user, paper: Paper, collection_ids: Iterable[int]) -> set[int]:
    """The paper in exactly these of the reader's collections (the save page's checkboxes)."""
    wanted = set(collection_ids)
    mine = {c.pk: c for c in Collection.objects.filter(owner=user)}
    unknown = wanted - set(mine)
    if unknown:
        raise LibraryError("collections", "Choose among your own collections.")
    with transaction.atomic():
        current = set(
            SavedPaper.objects.filter(collection__owner=user, paper=paper).values_list(
                "collection_id", flat=True
            )
        )
        for pk in wanted - current:
            SavedPaper.objects.get_or_create(collection=mine[pk], paper=paper)
        for item in SavedPaper.objects.filter(
            collection__owner=user, paper=paper, collection_id__in=current - wanted
        ):
            item.delete()  # one by one: the ranking's receivers see each removal
    return wanted


def saved_collections(user, paper_ids: Iterable[str] | None = None) -> dict[str, set[int]]:
    """For each of the reader's saved papers (or these only), the collections holding it:
    one query for a whole page of cards."""
    rows = SavedPaper.objects.filter(collection__owner=user)
    if paper_ids is not None:
        rows = rows.filter(paper_id__in=list(paper_ids))
    held: dict[str, set[int]] = defaultdict(set)
    for paper_id, collection_id in rows.values_list("paper_id", "collection_id"):
        held[paper_id].add(collection_id)
    return held


def share(collection: Collection) -> str:
    """The collection's read-only link token, made on first need."""
    if not collection.share_token:
        collection.share_token = new_token()
        collection.save(update_fields=["share_token", "updated_at"])
    return collection.share_token


def unshare(collection: Collection) -> None:
    """Revoke the link: the old token stops working at once."""
    collection.share_token = None
    collection.save(update_fields=["share_token", "updated_at"])


def shared(token: str) -> Collection | None:
    if not token or len(token) > 64:
        return None
    return Collection.objects.filter(share_token=token).first()


@dataclass
class ImportReport:
    """What an import did: papers added, already there, and the entries with no paper."""

    added: list[str] = field(default_factory=list)  # arXiv ids
    already: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # the entries' titles

    @property
    def total(self) -> int:
        return len(self.added) + len(self.already) + len(self.unmatched)

    def as_dict(self) -> dict:
        return {
            "entries": self.total,
            "added": self.added,
            "already_there": self.already,
            "not_matched": self.unmatched,
        }


def import_references(collection: Collection, references: list[Reference]) -> ImportReport:
    """Add the papers the references match; a paper already there (or twice in the file) is
    not added again, so importing the same file twice adds nothing the second time."""
    matches = match_references(references)
    report = ImportReport()
    with transaction.atomic():
        present = set(
            SavedPaper.objects.filter(
                collection=collection, paper_id__in=[m for m in matches if m]
            ).values_list("paper_id", flat=True)
        )
        new: list[str] = []
        for reference, paper_id in zip(references, matches, strict=True):
            if paper_id is None:
                report.unmatched.append(reference.title or "(untitled entry)")
            elif paper_id in present:
                report.already.append(paper_id)
            else:
                present.add(paper_id)
                new.append(paper_id)
        SavedPaper.objects.bulk_create(
            [SavedPaper(collection=collection, paper_id=pid) for pid in new],
            ignore_conflicts=True,
        )
        report.added = new
    return report


def ordered_items(collection: Collection, sort: str) -> QuerySet[SavedPaper]:
    """The collection's saved papers: newest saved first ("added") or newest paper ("date")."""
    items = SavedPaper.objects.filter(collection=collection)
    if sort == "date":
        # A paper's first version, else its first announcement (daily records carry no date).
        when = Coalesce("paper__submitted", Cast("paper__announced", DateTimeField()))
        return items.annotate(paper_date=when).order_by(
            F("paper_date").desc(nulls_last=True), "-paper_id"
        )
    return items.order_by("-added_at", "-pk")


def export_papers(collection: Collection) -> tuple[list[Paper], dict[str, str]]:
    """The papers to export (oldest saved first, with versions) and their notes."""
    items = list(
        SavedPaper.objects.filter(collection=collection)
        .order_by("added_at", "pk")
        .select_related("paper")
        .prefetch_related("paper__versions")
    )
    return [item.paper for item in items], {item.paper_id: item.note for item in items}


EXPORT_FORMATS = {
    "bibtex": ("application/x-bibtex", "bib"),
    "ris": ("application/x-research-info-systems", "ris"),
}


def export_file(collection: Collection, kind: str) -> tuple[str, str, str]:
    """(text, media type, file name) of the collection as BibTeX or RIS, notes included."""
    papers, notes = export_papers(collection)
    media, ext = EXPORT_FORMATS[kind]
    text = (
        citations.ris_export(papers, notes)
        if kind == "ris"
        else citations.bibtex_export(papers, notes)
    )
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in collection.name)[:60]
    return text, media, f"{stem.strip('-') or 'collection'}.{ext}"
