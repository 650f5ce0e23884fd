"""Forms of the waitlist pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class JoinWaitlistForm(forms.Form):
    party_size = forms.IntegerField(label=_("Spots wanted"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args, max_party: int = 4, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_size"].widget = forms.Select(
            choices=[(n, n) for n in range(1, max(max_party, 1) + 1)], attrs={"class": "form-select"}
        )
