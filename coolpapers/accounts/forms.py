"""The account pages' forms: deleting the account, merging a browser's interests."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coolpapers.accounts.merge import (
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    MAX_PAPERS,
    clean_keyword,
)
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id


class DeleteAccountForm(forms.Form):
    """Deleting needs the account's email typed in: no slip of a finger deletes a library."""

    email = forms.CharField(
        label=_("Type your email address to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip()
        if typed.casefold() != (self.user.email or "").casefold():
            raise forms.ValidationError(
                gettext("That is not this account's email address: nothing was deleted.")
            )
        return typed


class MergeError(ValueError):
    """A merge request the page refuses (400), with the reason in the reader's language."""


def merge_input(data: QueryDict) -> tuple[list[str], list[str]]:
    """The ticked keywords and paper ids of a merge POST, checked; MergeError if malformed."""
    keywords: list[str] = []
    for raw in data.getlist("keywords"):
        word = clean_keyword(raw)
        if not word:
            continue
        if len(word) > MAX_KEYWORD_LENGTH:
            raise MergeError(
                gettext("A keyword is longer than %(n)s characters.") % {"n": MAX_KEYWORD_LENGTH}
            )
        keywords.append(word)
    if len(keywords) > MAX_KEYWORDS:
        raise MergeError(gettext("At most %(n)s keywords at once.") % {"n": MAX_KEYWORDS})
    papers: list[str] = []
    for raw in data.getlist("papers"):
        try:
            arxiv_id = parse_arxiv_id(raw.strip()).id
        except InvalidArxivId as error:
            raise MergeError(gettext("Not an arXiv id: %(error)s.") % {"error": error}) from error
        if arxiv_id not in papers:
            papers.append(arxiv_id)
    if len(papers) > MAX_PAPERS:
        raise MergeError(gettext("At most %(n)s papers at once.") % {"n": MAX_PAPERS})
    if not keywords and not papers:
        raise MergeError(gettext("Nothing was ticked: tick the keywords and papers to merge."))
    return keywords, papers
