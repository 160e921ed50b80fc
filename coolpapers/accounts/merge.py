"""Merging what one browser kept (interests.js: ❤ keywords, the word cloud's keywords, the
papers read last) into an account: keywords into the first collection's keywords (they start
its profile), papers as read marks. Only what the reader ticked, only on their click."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from coolpapers.library.models import ReadMark, ensure_default
from coolpapers.papers.models import Paper

MAX_KEYWORDS = 200
MAX_KEYWORD_LENGTH = 100
MAX_PAPERS = 100


@dataclass
class Merged:
    collection: str = ""
    keywords_added: list[str] = field(default_factory=list)
    keywords_known: list[str] = field(default_factory=list)
    papers_added: list[str] = field(default_factory=list)
    papers_known: list[str] = field(default_factory=list)
    papers_missing: list[str] = field(default_factory=list)


def clean_keyword(raw: str) -> str:
    """One keyword as interests.js writes it: spaces squashed, no commas (the separator)."""
    return " ".join(raw.replace(",", " ").split())


def split_keywords(text: str) -> list[str]:
    return [word for word in (clean_keyword(part) for part in text.split(",")) if word]


def merge(user: Any, keywords: list[str], paper_ids: list[str]) -> Merged:
    """Add the keywords (case-insensitively new ones, in order) and mark the papers read;
    ids the site does not hold are reported, not stored. Idempotent."""
    result = Merged()
    with transaction.atomic():
        collection = ensure_default(user)
        result.collection = collection.name
        current = split_keywords(collection.keywords)
        seen = {word.casefold() for word in current}
        for word in keywords:
            if word.casefold() in seen:
                result.keywords_known.append(word)
            else:
                seen.add(word.casefold())
                current.append(word)
                result.keywords_added.append(word)
        if result.keywords_added:
            collection.keywords = ", ".join(current)
            collection.save(update_fields=["keywords", "updated_at"])
        held = set(Paper.objects.filter(pk__in=paper_ids).values_list("pk", flat=True))
        marked = set(
            ReadMark.objects.filter(owner=user, paper_id__in=held).values_list(
                "paper_id", flat=True
            )
        )
        for arxiv_id in paper_ids:
            if arxiv_id not in held:
                result.papers_missing.append(arxiv_id)
            elif arxiv_id in marked:
                result.papers_known.append(arxiv_id)
            else:
                ReadMark.objects.create(owner=user, paper_id=arxiv_id)
                marked.add(arxiv_id)
                result.papers_added.append(arxiv_id)
    return result
