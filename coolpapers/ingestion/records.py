"""The one shape every reader produces, so the pipeline never knows where a record came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from coolpapers.papers.announcements import ANNOUNCE_NEW
from coolpapers.papers.text import clean_text


@dataclass
class VersionRecord:
    number: int
    submitted: datetime  # timezone-aware
    size: str = ""


@dataclass
class PaperRecord:
    """A paper as a source describes it. Empty fields mean "this source does not say"."""

    arxiv_id: str  # normalised, without version
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]  # primary category first
    comments: str = ""
    journal_ref: str = ""
    doi: str = ""
    report_no: str = ""
    license: str = ""
    msc_class: str = ""
    acm_class: str = ""
    versions: list[VersionRecord] = field(default_factory=list)
    version: int | None = None  # latest version the source knows, when it lists no versions
    submitted: datetime | None = None  # first version, when the source lists no versions
    updated: datetime | None = None  # latest version, when the source lists no versions
    announced: date | None = None  # the daily list this record was announced in
    announce_kind: str = ANNOUNCE_NEW


@dataclass
class RejectedRecord:
    """A record a reader could not use: the rest of the batch goes on without it."""

    identifier: str  # the arXiv id when known, else the position in the source
    reason: str

    def __post_init__(self) -> None:
        # Both may quote the source (a raw id, a bad value) and end up in the job's log.
        self.identifier = clean_text(str(self.identifier))
        self.reason = clean_text(self.reason)


class SourceError(Exception):
    """The source as a whole is unusable (truncated, not XML/JSON): the job fails."""

    def __init__(self, source: str, position: str, message: str):
        self.source, self.position, self.message = source, position, message
        super().__init__(f"{source}: {position}: {message}")
