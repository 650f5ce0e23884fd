"""Staff screens for recurring class schedules: generating, archiving and deleting go through
schedules.services."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schedules import services
from schedules.admin_limits import BoundedInline
from schedules.models import ClassSchedule, ClassSession


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
        (_("Early bird"), {"fields": ("early_bird_price", "early_bird_days", "early_bird_spots")}),
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
