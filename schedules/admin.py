"""Staff screens for the timetable. Writes go through schedules.services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from schedules import selectors, services, therapist_settings
from schedules.admin_limits import BoundedInline
from schedules.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Blackout,
    ClassSchedule,
    ClassSession,
    ClassType,
    Location,
    Occupancy,
    Practitioner,
    Room,
    SessionStatus,
    TherapistSettings,
    TherapyDuration,
    TherapyType,
)
from schedules.therapist_calendar import HoursRange


class RoomInline(BoundedInline, admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_online", "is_active"]
    list_filter = ["is_online", "is_active"]
    search_fields = ["name", "address"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RoomInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "capacity", "is_active"]
    list_filter = ["location", "is_active"]
    search_fields = ["name", "location__name"]
    list_select_related = ["location"]


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


class TherapyDurationInline(BoundedInline, admin.TabularInline):
    model = TherapyDuration
    max_num = 12  # lengths one therapy is offered in
    extra = 1
    min_num = 1


@admin.register(TherapyType)
class TherapyTypeAdmin(admin.ModelAdmin):
    list_display = ["title", "is_online", "currency", "is_active"]
    list_filter = ["is_online", "is_active"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["therapists", "rooms"]
    inlines = [TherapyDurationInline]


@admin.register(ClassType)
class ClassTypeAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "duration_minutes", "capacity", "price", "currency", "is_online", "is_active"]
    list_filter = ["level", "is_online", "is_active"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}


class SessionInline(BoundedInline, admin.TabularInline):
    """Upcoming sessions under their schedule (editing happens on the session page)."""

    model = ClassSession
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["starts_at", "instructor", "room", "capacity", "spots_taken", "status", "is_customised", "conflict_note"]
    readonly_fields = fields
    max_num = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClassSession]:
        return (
            super()
            .get_queryset(request)
            .filter(starts_at__gte=timezone.now())
            .select_related("instructor", "room__location", "class_type", "location")
            .order_by("starts_at")
        )


@admin.register(ClassSchedule)
class ClassScheduleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "location", "room", "instructor", "valid_from", "valid_until", "is_active"]
    list_filter = ["location", "room", "instructor", "class_type", "is_active"]
    search_fields = ["class_type__title", "instructor__public_name"]
    list_select_related = ["class_type", "location", "room__location", "instructor"]
    autocomplete_fields = ["class_type", "instructor"]
    inlines = [SessionInline]
    actions = ["generate_sessions", "archive"]
    fieldsets = (
        (None, {"fields": ("class_type", "instructor", "location", "room", "is_active")}),
        (_("When"), {"fields": ("recurrence", "start_time", "duration_minutes", "valid_from", "valid_until")}),
        (_("Overrides"), {"fields": ("capacity", "price", "min_participants", "min_decision_hours")}),
    )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.clean = _schedule_form_clean(form.clean)
        return form

    def save_model(self, request: HttpRequest, obj: ClassSchedule, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Bring the sessions in line right away, so staff see the effect of the change.
        until = timezone.localdate() + timedelta(days=settings.SCHEDULE_HORIZON_DAYS)
        report = services.generate_sessions(schedule=obj, until=until, actor=request.user)
        self._report(request, report)

    @admin.action(description=_("Generate / extend sessions over the horizon"), permissions=["change"])
    def generate_sessions(self, request: HttpRequest, queryset: QuerySet[ClassSchedule]) -> None:
        until = timezone.localdate() + timedelta(days=settings.SCHEDULE_HORIZON_DAYS)
        report = services.GenerationReport()
        for schedule in queryset:
            report.merge(services.generate_sessions(schedule=schedule, until=until, actor=request.user))
        self._report(request, report)

    @admin.action(description=_("Archive (no new sessions; booked ones stay)"), permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[ClassSchedule]) -> None:
        report = services.GenerationReport()
        for schedule in queryset:
            report.merge(services.archive_schedule(schedule=schedule, actor=request.user))
        self.message_user(request, _("Archived: %d.") % len(queryset), messages.SUCCESS)
        self._report(request, report)

    # --- deleting: only what nobody booked; archiving is the way out (services.delete_schedule) ---

    def get_deleted_objects(self, objs, request: HttpRequest):
        """What deleting takes along (the sessions nobody booked) and what forbids it.

        The sessions' foreign key is PROTECT, so Django alone would name every session
        as protected; the service deletes the never-booked ones first, so what really
        protects a schedule is what protects its sessions: their bookings and waitlists.
        The schedules' own deletion permission decides (regeneration removes unbooked
        sessions without a session-deleting role too).
        """
        schedules = list(objs)
        to_delete, counts, perms_needed, _protected = super().get_deleted_objects(schedules, request)
        sessions = list(ClassSession.objects.filter(schedule__in=schedules))
        if not sessions:
            return to_delete, counts, perms_needed, []
        more, more_counts, _perms, protected = super().get_deleted_objects(sessions, request)
        return [*to_delete, more], {**counts, **more_counts}, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: ClassSchedule) -> None:
        services.delete_schedule(schedule=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClassSchedule]) -> None:
        for schedule in queryset:
            try:
                services.delete_schedule(schedule=schedule, actor=request.user)
            except services.ScheduleError as exc:
                self.message_user(request, str(exc), messages.ERROR)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except services.ScheduleError as exc:
            # Booked between the confirmation page and the click: say so, keep the schedule.
            self.message_user(request, str(exc), messages.ERROR)
            return redirect("admin:schedules_classschedule_change", object_id)

    def _report(self, request: HttpRequest, report: services.GenerationReport) -> None:
        self.message_user(request, _("Sessions: %s.") % report.summary(), messages.SUCCESS)
        for line in (report.conflicts + report.skipped)[:20]:
            self.message_user(request, line, messages.WARNING)


def _schedule_form_clean(clean):
    def wrapped(form):
        data = clean(form)
        room, location = data.get("room"), data.get("location")
        if room and location and room.location_id != location.pk:
            raise ValidationError({"room": _("This room is not at the chosen location.")})
        return data

    return wrapped


class ClassSessionForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        exclude: list[str] = []  # every editable field; the admin's fieldsets choose the layout

    def clean(self) -> dict:
        data = super().clean()
        instance: ClassSession = self.instance
        room, location = data.get("room"), data.get("location")
        if room and location and room.location_id != location.pk:
            self.add_error("room", _("This room is not at the chosen location."))
        capacity = data.get("capacity")
        if capacity is not None and capacity < instance.spots_taken:
            self.add_error(
                "capacity",
                _("Capacity cannot be lower than the %(n)d spots already taken.") % {"n": instance.spots_taken},
            )
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The class must end after it starts."))
        if self.errors or data.get("status") == SessionStatus.CANCELLED:
            return data
        probe = ClassSession(
            pk=instance.pk,
            instructor=data.get("instructor"),
            room=room,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        try:
            services.check_session_is_free(probe)
        except services.OccupancyConflict as exc:
            raise ValidationError(str(exc)) from exc
        return data


class SessionDateFilter(admin.SimpleListFilter):
    """When it starts, in the viewer's zone; ``field_name`` lets the bookings' admin reuse it on its start."""

    title = _("date")
    parameter_name = "when"
    field_name = "starts_at"

    def lookups(self, request, model_admin):
        return [
            ("today", _("Today")),
            ("week", _("Next 7 days")),
            ("month", _("This month")),
            ("future", _("Upcoming")),
            ("past", _("Past")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        zone = timezone.get_current_timezone()
        today = timezone.localdate(now, zone)
        first = today.replace(day=1)
        # Local midnights, not "+ 24 hours": a day or month with a DST change is not a whole number of 24 h days.
        bounds = {
            "today": (selectors.local_midnight(today, zone), selectors.local_midnight(today + timedelta(days=1), zone)),
            "week": (now, now + timedelta(days=7)),
            "month": (
                selectors.local_midnight(first, zone),
                selectors.local_midnight((first + timedelta(days=32)).replace(day=1), zone),
            ),
            "future": (now, None),
            "past": (None, now),
        }.get(self.value())
        if bounds is None:
            return queryset
        lower, upper = bounds
        if lower is not None:
            queryset = queryset.filter(**{f"{self.field_name}__gte": lower})
        if upper is not None:
            queryset = queryset.filter(**{f"{self.field_name}__lt": upper})
        return queryset


class ConflictFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "conflict"

    def lookups(self, request, model_admin):
        return [("yes", _("Flagged by regeneration"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(conflict_note="")
        return queryset


class CancelSessionsForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to clients)"), max_length=255)


@admin.register(ClassSession)
class ClassSessionAdmin(admin.ModelAdmin):
    form = ClassSessionForm
    list_display = [
        "class_type",
        "starts_at",
        "location",
        "room",
        "instructor",
        "spots",
        "status",
        "is_customised",
        "conflict_note",
    ]
    list_filter = [
        SessionDateFilter,
        "status",
        ConflictFilter,
        "location",
        "room",
        "instructor",
        "class_type",
        "is_customised",
    ]
    search_fields = ["class_type__title", "instructor__public_name", "room__name", "location__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["class_type", "location", "room__location", "instructor"]
    readonly_fields = [
        "schedule",
        "occurrence_date",
        "spots_taken",
        "is_customised",
        "conflict_note",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["class_type", "instructor"]
    actions = ["cancel_sessions"]
    fieldsets = (
        (None, {"fields": ("class_type", "status", "cancel_reason")}),
        (
            _("When and where"),
            {"fields": ("starts_at", "ends_at", "location", "room", "instructor", "is_online", "video_link")},
        ),
        (_("Spots and price"), {"fields": ("capacity", "spots_taken", "price", "currency")}),
        (_("Minimum participants"), {"fields": ("min_participants", "min_decision_hours", "keep_below_minimum")}),
        (
            _("Origin"),
            {"fields": ("schedule", "occurrence_date", "is_customised", "conflict_note", "created_at", "updated_at")},
        ),
    )

    @admin.display(description=_("spots"))
    def spots(self, obj: ClassSession) -> str:
        return f"{obj.spots_taken}/{obj.capacity}"

    def save_model(self, request: HttpRequest, obj: ClassSession, form, change: bool) -> None:
        if change and "status" in form.changed_data and obj.status == SessionStatus.CANCELLED:
            # Cancelling goes through its own service so listeners (bookings) run.
            obj.status = form.initial.get("status", SessionStatus.SCHEDULED)
            services.save_class_session(session=obj, changed_fields=[f for f in form.changed_data if f != "status"])
            services.cancel_class_session(
                session=obj, reason=obj.cancel_reason or _("Cancelled by the studio."), actor=request.user
            )
            return
        services.save_class_session(session=obj, changed_fields=form.changed_data if change else None)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ScheduleError as exc:
            # A conflict that slipped past the form check (a concurrent edit): the
            # exclusion constraint refused it; say so instead of failing.
            self.message_user(request, str(exc), messages.ERROR)
            return super().changeform_view(_as_get(request), object_id, form_url, extra_context)

    @admin.action(description=_("Cancel selected sessions (with a reason)"), permissions=["change"])
    def cancel_sessions(self, request: HttpRequest, queryset: QuerySet[ClassSession]):
        form = CancelSessionsForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            sessions = list(queryset.filter(status=SessionStatus.SCHEDULED))
            for session in sessions:
                services.cancel_class_session(session=session, reason=form.cleaned_data["reason"], actor=request.user)
            self.message_user(
                request,
                ngettext("%d session cancelled.", "%d sessions cancelled.", len(sessions)) % len(sessions),
                messages.SUCCESS,
            )
            return None
        return render(
            request,
            "admin/schedules/cancel_sessions.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Cancel class sessions"),
                "form": form,
                "sessions": queryset.select_related("class_type", "location"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


def _as_get(request: HttpRequest) -> HttpRequest:
    request.method = "GET"
    return request


@admin.register(Blackout)
class BlackoutAdmin(admin.ModelAdmin):
    list_display = ["__str__", "scope", "kind", "starts_at", "ends_at", "affected_sessions"]
    list_filter = ["scope", "kind", "location", "room", "practitioner"]
    search_fields = ["reason"]
    date_hierarchy = "starts_at"
    list_select_related = ["location", "room__location", "practitioner"]
    readonly_fields = ["affected_sessions_detail"]

    @admin.display(description=_("scheduled sessions inside"))
    def affected_sessions(self, obj: Blackout) -> str:
        count = selectors.sessions_in_blackout(blackout=obj).count()
        if not count:
            return "0"
        url = reverse("admin:schedules_classsession_changelist")
        ids = ",".join(
            str(pk) for pk in selectors.sessions_in_blackout(blackout=obj).values_list("pk", flat=True)[:200]
        )
        return format_html('<a href="{}?id__in={}&status__exact=scheduled">{} — review and cancel</a>', url, ids, count)

    @admin.display(description=_("sessions to review"))
    def affected_sessions_detail(self, obj: Blackout) -> str:
        if not obj.pk:
            return "—"
        return self.affected_sessions(obj)


@admin.register(Occupancy)
class OccupancyAdmin(admin.ModelAdmin):
    """Read-only view of the table the exclusion constraints guard."""

    list_display = ["starts_at", "ends_at", "kind", "practitioner", "room", "class_session"]
    list_filter = ["kind", "practitioner", "room"]
    date_hierarchy = "starts_at"
    list_select_related = ["practitioner", "room__location", "class_session__class_type", "class_session__location"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
