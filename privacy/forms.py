"""The privacy pages' forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from privacy.access import REASON_MAX


class AccessReasonForm(forms.Form):
    """Why the owner opens a client's therapy record: kept in the access log, shown to the client."""

    reason = forms.CharField(
        label=_("Why do you need to read this record?"),
        max_length=REASON_MAX,
        min_length=5,
        strip=True,
        help_text=_("The client can read this reason in their access log."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
