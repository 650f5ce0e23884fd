"""The reports' filter: a date range (local dates) and an optional location."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.reports.period import MAX_DAYS, last_month
from config.params import BoundedDateField
from schedules.models import Location


class ReportForm(forms.Form):
    # Bounded: a day within five years of today (config.params), so no date arithmetic overflows.
    first = BoundedDateField(
        label=_("From"), input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
    )
    last = BoundedDateField(label=_("To"), input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.order_by("name"), required=False, empty_label=_("All locations")
    )

    def __init__(self, data, *, today: date) -> None:
        first, last = last_month(today)
        if not data.get("first") and not data.get("last"):
            data = {**data.dict(), "first": first.isoformat(), "last": last.isoformat()}
        super().__init__(data)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last:
            if first > last:
                raise forms.ValidationError(_("The first day comes after the last."))
            if (last - first).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("Choose at most three years."))
        return cleaned
