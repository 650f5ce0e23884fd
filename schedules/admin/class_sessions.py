"""Staff screens for dated class sessions: edits and cancellations go through schedules.services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from schedules import selectors, services
from schedules.models import ClassSession, SessionStatus


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
        (_("Early bird"), {"fields": ("early_bird_price", "early_bird_until", "early_bird_spots")}),
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
