"""Forms of the therapy pages: parse and validate input; the services decide the rest."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from config.params import BoundedDateField, BoundedDateTimeField
from schedules import external_calendar, therapist_settings
from schedules.models import Location, OverrideKind, TherapistSettings, Weekday
from schedules.recurrence import wall_time_to_utc
from schedules.therapist_calendar import HoursRange

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)

REPEAT_CHOICES = [("", _("Just this session")), ("1", _("Every week")), ("2", _("Every 2 weeks"))]


class TherapyBookingForm(forms.Form):
    """The last step: the chosen time, notes and intake answers, optionally repeated."""

    start = BoundedDateTimeField(widget=forms.HiddenInput)
    minutes = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    therapist = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    note = forms.CharField(
        label=_("Anything the therapist should know?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=REPEAT_CHOICES, required=False)
    # No default: a count next to "Just this session" read as four sessions booked.
    count = forms.IntegerField(
        label=_("Number of sessions"),
        min_value=2,
        max_value=52,
        required=False,
        help_text=_("Only for a series, this session included. You see every date before anything is booked."),
    )

    def __init__(self, *args, questions: Sequence[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for i, question in enumerate(self.questions):
            self.fields[f"q{i}"] = forms.CharField(
                label=question, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
        # The intake answers belong with the note, before the repeat options.
        self.order_fields(["note", *(f"q{i}" for i in range(len(self.questions))), "repeat", "count"])
        if not self.is_bound:
            self.initial.setdefault("token", secrets.token_urlsafe(16))

    def clean(self):
        data = super().clean()
        if data.get("repeat") and not data.get("count"):
            self.add_error("count", _("How many sessions in the series?"))
        if not data.get("repeat"):
            # One session: a count left in the field means nothing.
            self.errors.pop("count", None)
            data["count"] = None
        return data

    def intake(self) -> dict[str, str]:
        return {q: self.cleaned_data.get(f"q{i}", "") for i, q in enumerate(self.questions)}


class SeriesConfirmForm(forms.Form):
    """One choice per occurrence of a planned series: the asked time, an alternative, or skip."""

    def __init__(self, *args, items=(), zone: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            choices: list[tuple[str, StrOrPromise]] = []
            if item.free:
                choices.append((item.wanted.isoformat(), _local(item.wanted, zone)))
            choices += [(s.start.isoformat(), _local(s.start, zone)) for s in item.alternatives]
            choices.append(("", _("Skip this one")))
            self.fields[f"o{item.index}"] = forms.ChoiceField(
                label=_local(item.wanted, zone, with_date=True),
                choices=choices,
                required=False,
                initial=choices[0][0],
                help_text=item.reason,
                widget=forms.RadioSelect,
            )

    def chosen(self) -> list[datetime]:
        return sorted(datetime.fromisoformat(v) for k, v in self.cleaned_data.items() if k.startswith("o") and v)


def _local(value: datetime, zone: ZoneInfo, *, with_date: bool = False) -> str:
    local = value.astimezone(zone)
    return local.strftime("%a %d %b %Y, %H:%M") if with_date else local.strftime("%a %d %b, %H:%M")


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the client reads it)"), max_length=255)


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the client reads it)"), max_length=255)


class ProposeTimesForm(forms.Form):
    """Up to three times, entered in the therapist's own zone."""

    time1 = BoundedDateTimeField(
        label=_("Time 1"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": _("Enter at least one time.")},
    )
    time2 = BoundedDateTimeField(
        label=_("Time 2"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    time3 = BoundedDateTimeField(
        label=_("Time 3"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    message = forms.CharField(label=_("Message"), required=False, max_length=255)

    def __init__(self, *args, zone: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def starts(self) -> list[datetime]:
        values = [self.cleaned_data.get(f"time{i}") for i in (1, 2, 3)]
        return [wall_time_to_utc(v.date(), v.time().replace(tzinfo=None), self.zone) for v in values if v]


class SessionNoteForm(forms.Form):
    therapist_note = forms.CharField(
        label=_("Private notes (only you see them)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class TherapistSettingsForm(forms.ModelForm):
    # Text, not a URL field: calendar apps hand out webcal:// addresses, turned into https:// below.
    external_calendar_url = forms.CharField(
        label=TherapistSettings._meta.get_field("external_calendar_url").verbose_name,
        help_text=TherapistSettings._meta.get_field("external_calendar_url").help_text,
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = TherapistSettings
        fields = list(therapist_settings.SETTINGS_FIELDS)

    def clean_external_calendar_url(self) -> str:
        # Only the form of the address here; whether we may read it is the service's check
        # (schedules.therapist_settings), made for every caller when the setup is saved.
        return external_calendar.normalise_address(self.cleaned_data.get("external_calendar_url", ""))


class HoursRangeForm(forms.Form):
    # An empty first choice: an untouched spare row posts nothing and is skipped, not refused.
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    start = forms.TimeField(
        label=_("From"),
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label=_("Until"),
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}, format="%H:%M"),
    )
    location = forms.ModelChoiceField(
        label=_("Where"),
        queryset=Location.objects.filter(is_active=True),
        required=False,
        empty_label=_("Online only"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise forms.ValidationError(_("The range must end after it starts."))
        return data

    def as_range(self) -> HoursRange:
        d = self.cleaned_data
        return HoursRange(d["weekday"], d["start"], d["end"], d.get("location"))


# Weekly ranges one therapist may keep: seven days, several ranges and places a day. Also
# the most forms one POST can make the page build (Django's default is 2,000, which a
# forged hours-TOTAL_FORMS=100000 turned into a minute's work).
HOURS_MAX_ROWS = 50


class _HoursFormSet(forms.BaseFormSet):
    """Bootstrap's checkbox style on the formset's own "Delete" box, like the rows' other controls;
    the refusals of a forged or too long form in the page's words."""

    default_error_messages = {
        "too_many_forms": ngettext_lazy(
            "You can keep at most %(num)d range of hours.", "You can keep at most %(num)d ranges of hours.", "num"
        ),
        "missing_management_form": _("The form arrived incomplete. Please reload the page and enter your hours again."),
    }

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


# Five spare rows: a working week in one save.
HoursFormSet = formset_factory(
    HoursRangeForm,
    formset=_HoursFormSet,
    extra=5,
    can_delete=True,
    max_num=HOURS_MAX_ROWS,
    validate_max=True,
    absolute_max=HOURS_MAX_ROWS,
)


class OverrideForm(forms.Form):
    """Time off (one hour to weeks) or extra hours, in the therapist's own zone."""

    kind = forms.ChoiceField(label=_("What"), choices=OverrideKind.choices, initial=OverrideKind.BLOCKED)
    start_date = BoundedDateField(label=_("From (date)"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("From (time)"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_date = BoundedDateField(label=_("Until (date)"), widget=forms.DateInput(attrs={"type": "date"}))
    end_time = forms.TimeField(
        label=_("Until (time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Leave the times empty for whole days."),
    )
    location = forms.ModelChoiceField(
        label=_("Where (extra hours)"),
        queryset=Location.objects.filter(is_active=True),
        required=False,
        empty_label=_("Online only"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, zone: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start_date: date = data["start_date"]
        end_date: date = data["end_date"]
        start_time, end_time = data.get("start_time"), data.get("end_time")
        start = wall_time_to_utc(start_date, start_time or time.min, self.zone)
        if end_time is None:  # whole days: up to the end of the last day
            end = wall_time_to_utc(end_date.fromordinal(end_date.toordinal() + 1), time.min, self.zone)
        else:
            end = wall_time_to_utc(end_date, end_time, self.zone)
        if end <= start:
            raise forms.ValidationError(_("The end must be after the start."))
        data["starts_at"], data["ends_at"] = start, end
        return data
