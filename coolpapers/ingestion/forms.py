"""The admin's "new ingestion job" form: one form for every kind of source.

Each kind uses its own fields (KIND_FIELDS). static/coolpapers/js/admin-jobs.js shows only the
chosen kind's fields (and disables the others, so they are not sent); without script every
field shows, and a field of another kind that was filled in is refused with a message that
says which kind it belongs to.
"""

from __future__ import annotations

import json
from pathlib import Path

from django import forms
from django.conf import settings

from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.ingestion.readers import FORMATS
from coolpapers.papers.arxiv_ids import InvalidArxivId, normalize_arxiv_id

# The form fields each kind of job reads; every other field must be left as it is.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    JobKind.FILE: ("path", "format"),
    JobKind.UPLOAD: ("upload", "format"),
    JobKind.OAI: ("set_spec", "from_date", "until", "metadata_prefix"),
    JobKind.API_IDS: ("ids",),
    JobKind.API_QUERY: ("query", "max_results"),
    JobKind.TODAY: (),
}
SOURCE_FIELDS = tuple(dict.fromkeys(name for names in KIND_FIELDS.values() for name in names))
DEFAULT_MAX_RESULTS = 1000


class IngestionJobForm(forms.ModelForm):
    set_spec = forms.CharField(
        label="OAI set", required=False, help_text="e.g. cs, math, physics:hep-th"
    )
    from_date = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    metadata_prefix = forms.ChoiceField(
        choices=[("arXiv", "arXiv"), ("arXivRaw", "arXivRaw (with versions)")],
        initial="arXiv",
        required=False,
    )
    ids = forms.CharField(
        label="arXiv ids",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Separated by commas, spaces or lines; any id form (arXiv:…, …v2, abs URLs)",
    )
    query = forms.CharField(
        label="API query", required=False, help_text="e.g. cat:cs.CL AND ti:llm"
    )
    max_results = forms.IntegerField(
        initial=DEFAULT_MAX_RESULTS, min_value=1, max_value=30000, required=False
    )
    path = forms.CharField(
        label="Server path", required=False, help_text="A file or directory on the server"
    )
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS], initial="auto", required=False)

    class Meta:
        model = IngestionJob
        fields = ["kind", "upload"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields.get("kind")
        if kind is None:  # a job's read-only page: no form fields
            return
        kind.help_text = "Only the fields of the chosen kind are used."
        # What admin-jobs.js shows for each kind: the form's own rule, not a copy of it.
        kind.widget.attrs["data-kind-fields"] = json.dumps(
            {str(k): list(names) for k, names in KIND_FIELDS.items()}
        )

    def _filled_elsewhere(self, kind: str) -> list[str]:
        """Fields of other kinds that were filled in (a default left alone does not count)."""
        own = KIND_FIELDS.get(kind, ())
        filled = []
        for name in SOURCE_FIELDS:
            if name in own:
                continue
            value = self.cleaned_data.get(name)
            if value in (None, "", False) or value == self.fields[name].initial:
                continue
            filled.append(name)
        return filled

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind:
            label = JobKind(kind).label
            for name in self._filled_elsewhere(kind):
                owners = [JobKind(k).label for k, names in KIND_FIELDS.items() if name in names]
                self.add_error(
                    name,
                    f"Not used by “{label}”: clear it, or choose "
                    f"{' or '.join(f'“{owner}”' for owner in owners)} as the kind.",
                )
        params: dict = {}
        if kind == JobKind.OAI:
            params = {
                "set": data.get("set_spec", ""),
                "from": data["from_date"].isoformat() if data.get("from_date") else "",
                "until": data["until"].isoformat() if data.get("until") else "",
                "metadata_prefix": data.get("metadata_prefix") or "arXiv",
            }
        elif kind == JobKind.API_IDS:
            raw = (data.get("ids") or "").replace(",", " ").split()
            if not raw:
                self.add_error("ids", "Give at least one arXiv id.")
            try:
                params = {"ids": list(dict.fromkeys(normalize_arxiv_id(i) for i in raw))}
            except InvalidArxivId as exc:
                self.add_error("ids", str(exc))
        elif kind == JobKind.API_QUERY:
            if not data.get("query"):
                self.add_error("query", "Give a query.")
            params = {
                "query": data.get("query", ""),
                "max_results": data.get("max_results") or DEFAULT_MAX_RESULTS,
            }
        elif kind == JobKind.FILE:
            path = Path(data.get("path") or "")
            if not data.get("path") or not path.exists():
                self.add_error("path", f"{path}: no such file or directory on the server.")
            params = {"path": str(path.resolve()), "format": data.get("format") or "auto"}
        elif kind == JobKind.UPLOAD:
            if not data.get("upload"):
                self.add_error("upload", "Choose a file to upload.")
            params = {"format": data.get("format") or "auto"}
        elif kind == JobKind.TODAY:
            params = {"categories": settings.ARXIV_CATEGORIES}
        self.instance.params = params
        return data
