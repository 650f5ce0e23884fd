"""The money reports' filters: the reports' range and location with how to group the days; a pay month."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.report_forms import ReportForm
from bookings.reports.period import last_month
from config.params import BoundedDateField
from schedules.models import Location, Practitioner


class MoneyReportForm(ReportForm):
    by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("", _("Automatic")), ("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    )


class PayReportForm(forms.Form):
    """A month (last month unless chosen), optionally one instructor and one location."""

    month = BoundedDateField(
        label=_("Month"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    )
    instructor = forms.ModelChoiceField(
        label=_("Instructor"), queryset=Practitioner.objects.none(), required=False, empty_label=_("All instructors")
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.order_by("name"), required=False, empty_label=_("All locations")
    )

    def __init__(self, data, *, today: date) -> None:
        if not data.get("month"):
            data = {**data.dict(), "month": last_month(today)[0].strftime("%Y-%m")}
        super().__init__(data)
        self.fields["instructor"].queryset = Practitioner.objects.filter(is_instructor=True).order_by("public_name")  # type: ignore[attr-defined]  # a ModelChoiceField
