"""An instructor's own pages: "My classes" (this week and the next) and each class's roster
with check-in at the door.

Made for a phone at the studio door: cards, big buttons, and check-in that swaps one
card in place through htmx, with a plain POST and redirect when scripts are off. Who may
read a roster and who may check someone in is decided in the selector and the service
(bookings.permissions), not here: another instructor's class is a 403 from there.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from bookings import instructor_selectors as ins
from bookings import services
from schedules.models import Practitioner


def instructor_required(view):
    """Logged in, and teaching classes: the practitioner is passed to the view."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthedRequest, *args, **kwargs):
        practitioner = ins.instructor_for(request.user)
        if practitioner is None:
            raise PermissionDenied(_("These pages are for instructors."))
        return view(request, practitioner, *args, **kwargs)

    return wrapper


@instructor_required
def my_classes(request: AuthedRequest, practitioner: Practitioner) -> HttpResponse:
    """This week's and next week's classes, by day in the viewer's zone."""
    zone = request.viewer_zone
    days = ins.upcoming_classes(practitioner=practitioner, now=timezone.now(), zone=zone)
    return render(request, "instructor/classes.html", {"days": days, "zone_name": str(zone)})


@login_required
def roster(request: AuthedRequest, session_id: int) -> HttpResponse:
    """Who is coming, with their notes, and check-in (the class's instructor or staff only)."""
    return render(
        request, "instructor/roster.html", {"roster": ins.class_roster(session_id=session_id, viewer=request.user)}
    )


@login_required
@require_POST
def check_in(request: AuthedRequest, session_id: int, booking_id: int) -> HttpResponse:
    """Mark a booking attended (checked_in=1) or undo it (0), through the admin's own service."""
    wanted = request.POST.get("checked_in")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest(_("Say whether to check in (1) or undo (0)."))
    booking = ins.roster_entry(session_id=session_id, booking_id=booking_id)
    error = ""
    try:
        services.set_checked_in(
            booking=booking,
            checked_in=wanted == "1",
            actor=request.user,
            meta=services.RequestMeta.from_request(request),
        )
    except services.NotPermitted as exc:
        raise PermissionDenied(str(exc)) from None
    except services.BookingError as exc:
        error = str(exc)
    if request.headers.get("HX-Request") == "true":
        # Only this card and the counts change: send just those.
        roster = ins.class_roster(session_id=session_id, viewer=request.user)
        context = {"roster": roster, "b": roster.expects(booking_id), "booking_id": booking_id, "error": error}
        return render(request, "instructor/_check_in_result.html", context)
    if error:
        messages.error(request, error)
    return redirect(reverse("bookings:instructor_roster", args=[session_id]) + f"#booking-{booking_id}")
