"""The digest settings form: on/off and how many papers."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coolpapers.digests.models import MAX_SIZE


class DigestForm(forms.Form):
    enabled = forms.BooleanField(required=False)
    size = forms.IntegerField(
        min_value=1,
        max_value=MAX_SIZE,  # the messages below say 50: keep them in step
        error_messages={
            "required": _("Say how many papers each email should list, from 1 to 50."),
            "invalid": _("Papers per email must be a whole number from 1 to 50."),
            "min_value": _("Papers per email must be at least 1."),
            "max_value": _("Papers per email can be at most 50."),
        },
    )
