"""The class roster, check-in and "move this booking" pages inside the bookings admin.

A mixin of BookingAdmin (the pages act on bookings and need its permissions), plus the
timetable's session list with a link to each session's roster.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.http import AuthedRequest
from bookings import selectors, services
from bookings.forms import change_form_for
from bookings.models import Booking
from bookings.panels import render_roster_panels
from bookings.transitions import Status
from schedules.admin import ClassSessionAdmin
from schedules.models import ClassSession


class RosterViews(admin.ModelAdmin):
    """The roster, move and check-in views: the base of BookingAdmin, kept apart for size."""

    def get_urls(self):
        return [
            path("roster/<int:session_id>/", self.admin_site.admin_view(self.roster_view), name="bookings_roster"),
            path(
                "<int:booking_id>/move/",
                self.admin_site.admin_view(self.move_view),
                name="bookings_move",
            ),
            path(
                "roster/<int:session_id>/check-in/<int:booking_id>/",
                self.admin_site.admin_view(self.check_in_view),
                name="bookings_check_in",
            ),
            *super().get_urls(),
        ]

    def roster_view(self, request: AuthedRequest, session_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        session = get_object_or_404(ClassSession.objects.for_listing(), pk=session_id)
        bookings = selectors.roster(session_id=session_id)
        return render(
            request,
            "admin/bookings/roster.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Roster: %s") % session,
                "session": session,
                "bookings": bookings,
                "opts": self.model._meta,
                "active": [b for b in bookings if b.is_active or b.status == Status.COMPLETED],
                "inactive": [b for b in bookings if not (b.is_active or b.status == Status.COMPLETED)],
                "booked_spots": sum(b.quantity for b in bookings if b.is_active),
                "checked_in": sum(1 for b in bookings if b.checked_in_at),
                "panels": render_roster_panels(request, session),
            },
        )

    def move_view(self, request: AuthedRequest, booking_id: int) -> HttpResponse:
        """Staff move a booking to another date or change its spots: the clients' service, staff as actor."""
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        booking = get_object_or_404(
            Booking.objects.select_related("class_session__class_type", "client"), pk=booking_id
        )
        form = change_form_for(booking, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.change_booking(
                    booking=booking,
                    actor=request.user,
                    session_id=form.cleaned_data["session"] or None,
                    quantity=form.cleaned_data["quantity"],
                    meta=services.ADMIN,
                )
            except services.BookingError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Booking %s changed.") % booking.reference)
                return redirect("admin:bookings_booking_change", booking.pk)
        return render(
            request,
            "admin/bookings/move_booking.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Change booking %s") % booking.reference,
                "booking": booking,
                "form": form,
                "opts": self.model._meta,
            },
        )

    def check_in_view(self, request: AuthedRequest, session_id: int, booking_id: int) -> HttpResponse:
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponse(status=405 if request.method != "POST" else 403)
        booking = get_object_or_404(Booking, pk=booking_id, class_session_id=session_id)
        try:
            services.set_checked_in(
                booking=booking, checked_in=request.POST.get("checked_in") == "1", actor=request.user
            )
        except services.BookingError as exc:
            messages.error(request, str(exc))
        return redirect("admin:bookings_roster", session_id=session_id)


admin.site.unregister(ClassSession)


@admin.register(ClassSession)
class ClassSessionWithRosterAdmin(ClassSessionAdmin):
    """The timetable's session admin plus a link to each session's roster."""

    list_display = [*ClassSessionAdmin.list_display, "roster"]

    @admin.display(description=_("roster"))
    def roster(self, obj: ClassSession):
        return format_html('<a href="{}">{}</a>', reverse("admin:bookings_roster", args=[obj.pk]), _("Roster"))
