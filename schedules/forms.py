"""Timetable filter form (GET)."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from schedules.models import ClassType, Level, Location, Practitioner
from schedules.selectors import TimetableFilters


class TimetableFilterForm(forms.Form):
    week = forms.DateField(required=False, widget=forms.HiddenInput)
    location = forms.ModelChoiceField(
        queryset=Location.objects.filter(is_active=True),
        required=False,
        empty_label=_("All locations"),
        label=_("Location"),
    )
    class_type = forms.ModelChoiceField(
        queryset=ClassType.objects.filter(is_active=True),
        required=False,
        empty_label=_("All classes"),
        label=_("Class"),
    )
    instructor = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(is_active=True, is_instructor=True),
        required=False,
        empty_label=_("All teachers"),
        label=_("Teacher"),
    )
    level = forms.ChoiceField(choices=[("", _("All levels")), *Level.choices[1:]], required=False, label=_("Level"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.visible_fields():
            field.field.widget.attrs["class"] = "form-select"

    def filters(self) -> TimetableFilters:
        """Filters from the fields that validated; a bad value is dropped, not an error page."""
        data = getattr(self, "cleaned_data", {})
        location, class_type, instructor = data.get("location"), data.get("class_type"), data.get("instructor")
        return TimetableFilters(
            location_id=location.pk if location else None,
            class_type_id=class_type.pk if class_type else None,
            instructor_id=instructor.pk if instructor else None,
            level=data.get("level") or None,
        )

    def week_value(self) -> date | None:
        return getattr(self, "cleaned_data", {}).get("week")
