"""The admin's "new ingestion job" form: one form for every kind of source."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings

from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.ingestion.readers import FORMATS
from coolpapers.papers.arxiv_ids import InvalidArxivId, normalize_arxiv_id


class IngestionJobForm(forms.ModelForm):
    set_spec = forms.CharField(
        label="OAI set", required=False, help_text="e.g. cs, math, physics:hep-th"
    )
    from_date = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    metadata_prefix = forms.ChoiceField(
        choices=[("arXiv", "arXiv"), ("arXivRaw", "arXivRaw (with versions)")], initial="arXiv"
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
    max_results = forms.IntegerField(initial=1000, min_value=1, max_value=30000)
    path = forms.CharField(
        label="Server path", required=False, help_text="A file or directory on the server"
    )
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS], initial="auto")

    class Meta:
        model = IngestionJob
        fields = ["kind", "upload"]

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
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
                "max_results": data.get("max_results") or 1000,
            }
        elif kind == JobKind.FILE:
            path = Path(data.get("path") or "")
            if not data.get("path") or not path.exists():
                self.add_error("path", f"{path}: no such file or directory on the server.")
            params = {"path": str(path.resolve()), "format": data.get("format", "auto")}
        elif kind == JobKind.UPLOAD:
            if not data.get("upload"):
                self.add_error("upload", "Choose a file to upload.")
            params = {"format": data.get("format", "auto")}
        elif kind == JobKind.TODAY:
            params = {"categories": settings.ARXIV_CATEGORIES}
        self.instance.params = params
        return data
