"""Staff screens for practitioners: their settings, weekly hours and time off, saved by the
therapist's setup service (schedules.therapist_settings)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from schedules import therapist_settings
from schedules.admin_limits import BoundedInline
from schedules.models import AvailabilityOverride, AvailabilityRule, Practitioner, TherapistSettings
from schedules.therapist_calendar import HoursRange


class TherapistSettingsFormSet(BaseInlineFormSet):
    """The settings inline: checked and saved by the therapist's setup service (``PractitionerAdmin.save_related``)."""

    def setup_data(self) -> dict | None:
        """The settings as entered, or None when the inline was left as it was."""
        for form in self.forms:
            if form.has_changed() and form.cleaned_data:
                return {k: v for k, v in form.cleaned_data.items() if k in therapist_settings.SETTINGS_FIELDS}
        return None

    def clean(self) -> None:
        super().clean()
        data = self.setup_data() if not any(self.errors) else None
        if data is None:
            return
        try:
            therapist_settings.check_setup(practitioner=self.instance, settings_data=data, hours=None)
        except ValidationError as exc:
            form = next(f for f in self.forms if f.has_changed())
            therapist_settings.show_errors(exc, settings_form=form, hours_formset=self)


class TherapistSettingsInline(BoundedInline, admin.StackedInline):
    model = TherapistSettings
    formset = TherapistSettingsFormSet
    can_delete = False
    extra = 0


class WeeklyHoursFormSet(BaseInlineFormSet):
    """The weekly-hours inline: the same overlap check as the therapist's page, saved by the same service."""

    def ranges(self) -> list[HoursRange]:
        return [
            HoursRange(d["weekday"], d["start_time"], d["end_time"], d.get("location"))
            for d in (form.cleaned_data for form in self.forms)
            if d and not d.get("DELETE")
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or not self.has_changed():
            return
        try:
            therapist_settings.check_setup(practitioner=self.instance, settings_data=None, hours=self.ranges())
        except ValidationError as exc:
            raise ValidationError(exc.message_dict[therapist_settings.HOURS]) from None


class AvailabilityRuleInline(BoundedInline, admin.TabularInline):
    """Weekly hours; therapists normally keep these themselves on their calendar page."""

    model = AvailabilityRule
    formset = WeeklyHoursFormSet
    extra = 0


class AvailabilityOverrideInline(BoundedInline, admin.TabularInline):
    model = AvailabilityOverride
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[AvailabilityOverride]:
        return super().get_queryset(request).filter(ends_at__gte=timezone.now())


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["public_name", "user", "is_instructor", "is_therapist", "is_active"]
    list_filter = ["is_instructor", "is_therapist", "is_active"]
    search_fields = ["public_name", "user__email", "bio"]
    prepopulated_fields = {"slug": ["public_name"]}
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    inlines = [TherapistSettingsInline, AvailabilityRuleInline, AvailabilityOverrideInline]

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        """Settings and weekly hours go through the therapist's setup service (one transaction,
        the calendar step); the other inlines save as usual."""
        form.save_m2m()
        settings_formset = hours_formset = None
        for formset in formsets:
            if isinstance(formset, TherapistSettingsFormSet):
                settings_formset = formset
            elif isinstance(formset, WeeklyHoursFormSet):
                hours_formset = formset
            else:
                self.save_formset(request, form, formset, change=change)
        data = settings_formset.setup_data() if settings_formset is not None else None
        hours = hours_formset.ranges() if hours_formset is not None and hours_formset.has_changed() else None
        for formset in (settings_formset, hours_formset):
            if formset is not None:
                _record_changes(formset)
        if data is None and hours is None:
            return
        therapist_settings.save_therapist_setup(
            practitioner=form.instance, settings_data=data, hours=hours, actor=request.user
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # Refused at save though the form passed (the address changed its answer meanwhile):
            # nothing was saved (the transaction rolled back); say why.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            opts = self.opts
            if object_id:
                return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", object_id)
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_add")


def _record_changes(formset: BaseInlineFormSet) -> None:
    """What the admin's history says was added, changed and deleted (formset.save() would set these)."""
    formset.new_objects = [f.instance for f in formset.extra_forms if f.has_changed() and not _deleted(formset, f)]
    formset.changed_objects = [
        (f.instance, f.changed_data) for f in formset.initial_forms if f.has_changed() and not _deleted(formset, f)
    ]
    formset.deleted_objects = [f.instance for f in formset.initial_forms if _deleted(formset, f)]


def _deleted(formset: BaseInlineFormSet, form) -> bool:
    return formset.can_delete and formset._should_delete_form(form)
