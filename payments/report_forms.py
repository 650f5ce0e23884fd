"""The money reports' filters: the reports' date range and location, and how to group the days."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.report_forms import ReportForm


class MoneyReportForm(ReportForm):
    by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("", _("Automatic")), ("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    )
