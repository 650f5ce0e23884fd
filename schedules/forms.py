"""Timetable filter form (GET)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from schedules.models import ClassType, Level, Location, Practitioner
from schedules.selectors import TimetableFilters


class PlainSelect(forms.Select):
    """A <select> built in Python: the stock widget renders a template per <option>.

    The same markup as Select for a flat list of choices (no option groups).
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        selected = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            key = "" if option_value is None else str(option_value)
            options.append((key, " selected" if key in selected else "", label))
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            format_html_join("\n", '<option value="{}"{}>{}</option>', options),
        )


@dataclass(frozen=True)
class FilterChoices:
    """The dropdowns' options: (pk, name) of what is active, in the models' order."""

    locations: tuple[tuple[int, str], ...]
    class_types: tuple[tuple[int, str], ...]
    instructors: tuple[tuple[int, str], ...]

    @classmethod
    def load(cls) -> FilterChoices:
        return cls(
            locations=tuple(Location.objects.filter(is_active=True).values_list("pk", "name")),
            class_types=tuple(ClassType.objects.filter(is_active=True).values_list("pk", "title")),
            instructors=tuple(
                Practitioner.objects.filter(is_active=True, is_instructor=True).values_list("pk", "public_name")
            ),
        )


_choices_memo: tuple[str, FilterChoices] | None = None


def filter_choices(version: str) -> FilterChoices:
    """The options, read once per process and timetable version (schedules.cache).

    Saving a location, class type or practitioner bumps the version, so the next
    request in every process reads them again.
    """
    global _choices_memo
    memo = _choices_memo
    if memo is None or memo[0] != version:
        memo = _choices_memo = (version, FilterChoices.load())
    return memo[1]


class TimetableFilterForm(forms.Form):
    """Filters by id: ``filters()`` gives ids, and a value not among the options is dropped.

    The week is not a field: the view reads it with config.params, as every page does.
    """

    location = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Location"), widget=PlainSelect
    )
    class_type = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Class"), widget=PlainSelect
    )
    instructor = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Teacher"), widget=PlainSelect
    )
    level = forms.ChoiceField(
        choices=[("", _("All levels")), *Level.choices[1:]], required=False, label=_("Level"), widget=PlainSelect
    )

    def __init__(self, *args, choices: FilterChoices | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if choices is None:
            choices = FilterChoices.load()
        for name, everything, options in (
            ("location", _("All locations"), choices.locations),
            ("class_type", _("All classes"), choices.class_types),
            ("instructor", _("All teachers"), choices.instructors),
        ):
            filter_field = self.fields[name]
            assert isinstance(filter_field, forms.ChoiceField)  # declared above
            filter_field.choices = [("", everything), *options]
        for field in self.visible_fields():
            field.field.widget.attrs["class"] = "form-select"

    def filters(self) -> TimetableFilters:
        """Filters from the fields that validated; a bad value is dropped, not an error page."""
        data = getattr(self, "cleaned_data", {})
        return TimetableFilters(
            location_id=data.get("location"),
            class_type_id=data.get("class_type"),
            instructor_id=data.get("instructor"),
            level=data.get("level") or None,
        )
