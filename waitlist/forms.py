"""Forms of the waitlist pages: join a class's queue, wish for a therapy time."""

from datetime import time, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from config.params import BoundedDateField


class JoinWaitlistForm(forms.Form):
    party_size = forms.IntegerField(label=_("Spots wanted"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args, max_party: int = 4, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_size"].widget = forms.Select(
            choices=[(n, n) for n in range(1, max(max_party, 1) + 1)], attrs={"class": "form-select"}
        )


class TherapyWishForm(forms.Form):
    """Which therapist, how long, which days and hours: in the client's own zone."""

    therapist = forms.ModelChoiceField(
        label=_("Therapist"), queryset=None, required=False, empty_label=_("Any therapist")
    )
    minutes = forms.TypedChoiceField(label=_("Length"), coerce=int)
    earliest_date = BoundedDateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    latest_date = BoundedDateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On"), coerce=int, choices=[], widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )
    earliest_time = forms.TimeField(label=_("Not before"), widget=forms.TimeInput(attrs={"type": "time"}))
    latest_time = forms.TimeField(label=_("Over by"), widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, kind, therapists, durations, today, **kwargs) -> None:
        from schedules.models import Weekday

        initial = {
            "minutes": durations[0].minutes if durations else None,
            "earliest_date": today,
            "latest_date": today + timedelta(days=14),
            "weekdays": [0, 1, 2, 3, 4],
            "earliest_time": time(9),
            "latest_time": time(18),
        }
        kwargs.setdefault("initial", {}).update({k: v for k, v in initial.items() if k not in kwargs["initial"]})
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = therapists
        self.fields["therapist"].label_from_instance = lambda p: p.public_name
        self.fields["minutes"].choices = [(d.minutes, f"{d.minutes} min") for d in durations]
        self.fields["weekdays"].choices = list(Weekday.choices)
        for name, field in self.fields.items():
            if name != "weekdays":
                css = "form-select" if name in ("therapist", "minutes") else "form-control"
                field.widget.attrs.setdefault("class", css)
