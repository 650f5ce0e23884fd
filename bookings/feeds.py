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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import selectors
from bookings.messages import booking_context
from bookings.models import Booking
from notifications import services as notification_services
from notifications.ics import CalendarEvent, calendar_bytes
from schedules.models import ClassSession

PAST = timedelta(days=30)
AHEAD = timedelta(days=366)


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=900"
    return response


def _session_event(session: ClassSession, *, uid: str) -> CalendarEvent:
    location = session.location
    return CalendarEvent(
        uid=uid,
        start=session.starts_at,
        end=session.ends_at,
        tzid=str(location.time_zone),
        summary=f"{session.class_type.title} ({settings.STUDIO_NAME})",
        description=f"{session.instructor.public_name} · {location.name}"
        + (f" · {session.room.name}" if session.room_id else ""),
        location=location.address.replace("\n", ", ") or location.name,
        url=settings.SITE_URL.rstrip("/") + session.get_absolute_url(),
        cancelled=session.is_cancelled,
    )


def _therapy_event(booking: Booking) -> CalendarEvent:
    """A session in the therapist's own feed: the client's name, never their intake or notes."""
    tentative = _(" (request)") if booking.status == "requested" else ""
    return CalendarEvent(
        uid=f"therapy-{booking.reference}@shala",
        start=booking.starts_at,
        end=booking.ends_at,
        tzid=str(booking.location.time_zone) if booking.location_id else settings.DEFAULT_VIEWER_TIME_ZONE,
        summary=f"{booking.therapy_type.title}: {booking.client.name}{tentative}",
        description=booking.reference,
        location=(booking.location.name if booking.location_id else _("Online"))
        + (f" · {booking.room.name}" if booking.room_id else ""),
        url=settings.SITE_URL.rstrip("/") + reverse("bookings:therapist_session", args=[booking.reference]),
    )


def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = notification_services.user_for_feed_token(token)
    if user is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    events = [
        CalendarEvent.from_dict(booking_context(b)["calendar"])
        for b in selectors.feed_bookings(client=user, start=now - PAST, end=now + AHEAD)
    ]
    practitioner = getattr(user, "practitioner", None)
    if practitioner is not None:
        events += [
            _session_event(s, uid=f"teaching-{s.pk}@shala")
            for s in selectors.teaching_sessions(practitioner=practitioner, start=now - PAST, end=now + AHEAD)
        ]
        events += [
            _therapy_event(b)
            for b in selectors.therapist_feed_bookings(practitioner=practitioner, start=now - PAST, end=now + AHEAD)
        ]
    body = calendar_bytes(events, name=f"{settings.STUDIO_NAME} · {user.name}", stamp=now)
    return _ics_response(body, "shala.ics")


def studio_feed(request: HttpRequest) -> HttpResponse:
    """The public class timetable, eight weeks ahead."""
    now = timezone.now()
    sessions = selectors.public_sessions(start=now - timedelta(days=7), end=now + timedelta(weeks=8))
    events = [_session_event(s, uid=f"class-{s.pk}@shala") for s in sessions]
    return _ics_response(calendar_bytes(events, name=f"{settings.STUDIO_NAME} · classes", stamp=now), "classes.ics")


@login_required
def booking_file(request: HttpRequest, reference: str) -> HttpResponse:
    """One booking as an .ics file ("add to calendar")."""
    try:
        booking = selectors.client_booking(client=request.user, reference=reference)
    except Booking.DoesNotExist:
        raise Http404("No such booking.") from None
    event = CalendarEvent.from_dict(booking_context(booking)["calendar"])
    body = calendar_bytes([event], method="PUBLISH", stamp=timezone.now())
    response = _ics_response(body, f"{booking.reference}.ics")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


@login_required
@require_POST
def regenerate_feed(request: HttpRequest) -> HttpResponse:
    notification_services.regenerate_feed_token(user=request.user)
    messages.success(request, _("Your calendar address has changed; the old one no longer works."))
    return redirect("bookings:mine")


@login_required
@require_POST
def revoke_feed(request: HttpRequest) -> HttpResponse:
    notification_services.revoke_feed_token(user=request.user)
    messages.success(request, _("Your calendar address has been switched off."))
    return redirect("bookings:mine")
