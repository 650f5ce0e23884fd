"""iCalendar feeds Google Calendar and Outlook subscribe to, and single-booking files.

A personal feed is found by its secret token only (no log-in: calendar apps cannot
log in); a wrong or revoked token is a 404, and the feed holds only the owner's own
bookings and, for a practitioner, the classes they teach.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthedRequest
from bookings import calendar, selectors
from bookings.models import Booking
from notifications import services as notification_services
from notifications.ics import LEADER, Person, calendar_bytes

PAST = timedelta(days=30)
AHEAD = timedelta(days=366)


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=900"
    return response


def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's own calendar: their bookings and, for a practitioner, what they lead.

    Cancelled, declined and expired bookings (and cancelled classes) within the window
    stay in as STATUS:CANCELLED: a subscribed calendar keeps an event that silently
    drops out of the feed, so the feed has to say it is off.
    """
    user = notification_services.user_for_feed_token(token)
    if user is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    start, end = now - PAST, now + AHEAD
    events = [calendar.client_event(b) for b in selectors.feed_bookings(client=user, start=start, end=end)]
    practitioner = getattr(user, "practitioner", None)
    if practitioner is not None:
        events += [
            calendar.class_event(s, role=LEADER)
            for s in selectors.teaching_sessions(practitioner=practitioner, start=start, end=end)
        ]
        events += [
            calendar.therapist_event(b)
            for b in selectors.therapist_feed_bookings(practitioner=practitioner, start=start, end=end)
        ]
    body = calendar_bytes(
        events, name=f"{settings.STUDIO_NAME} · {user.name}", stamp=now, attendee=Person(user.email, user.name)
    )
    return _ics_response(body, "shala.ics")


def studio_feed(request: HttpRequest) -> HttpResponse:
    """The public class timetable, eight weeks ahead; nobody's copy, so no ATTENDEE."""
    now = timezone.now()
    sessions = selectors.public_sessions(start=now - timedelta(days=7), end=now + timedelta(weeks=8))
    events = [calendar.class_event(s) for s in sessions]
    return _ics_response(calendar_bytes(events, name=f"{settings.STUDIO_NAME} · classes", stamp=now), "classes.ics")


@login_required
def booking_file(request: AuthedRequest, reference: str) -> HttpResponse:
    """One booking as an .ics file ("add to calendar"), the same event as its invitations."""
    try:
        booking = selectors.client_booking(client=request.user, reference=reference)
    except Booking.DoesNotExist:
        raise Http404("No such booking.") from None
    user = request.user
    body = calendar_bytes(
        [calendar.client_event(booking)], method="PUBLISH", stamp=timezone.now(), attendee=Person(user.email, user.name)
    )
    response = _ics_response(body, f"{booking.reference}.ics")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


@login_required
@require_POST
def regenerate_feed(request: AuthedRequest) -> HttpResponse:
    notification_services.regenerate_feed_token(user=request.user)
    messages.success(request, _("Your calendar address has changed; the old one no longer works."))
    return redirect("bookings:mine")


@login_required
@require_POST
def revoke_feed(request: AuthedRequest) -> HttpResponse:
    notification_services.revoke_feed_token(user=request.user)
    messages.success(request, _("Your calendar address has been switched off."))
    return redirect("bookings:mine")
