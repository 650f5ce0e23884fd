"""How bookings and classes appear in calendars: one event per thing, under one UID everywhere.

Invitations (bookings.messages, sent by notifications.channels) and feeds
(bookings.feeds) both take their events from here, so an event has the same UID,
SEQUENCE and STATUS in an e-mail and in a subscribed calendar.

The UID scheme. RFC 5545 UIDs are global: one UID is one event, in every calendar
that holds it, so calendar apps match updates and cancellations by it.

- A booking is ``booking-<reference>@shala`` (``Booking.ics_uid``). A class booking
  is the client's place in a class, not the class: moving it to another date keeps
  the UID, so the calendar moves the event. A therapy session is one meeting with two
  attendees, so the client's and the therapist's copies share the UID and SEQUENCE,
  as two attendees of one Outlook meeting do; they differ only in what each reader
  needs: ATTENDEE is the reader with their ROLE (client REQ-PARTICIPANT, therapist
  CHAIR), the therapist's summary names the client, and each links to its reader's
  own page (the therapist's session page; the client's booking page, a 404 for the
  therapist).
- A class session is ``class-<pk>@shala``: the same class in the public timetable and
  in its instructor's feed. Class sessions keep no revision counter, so their
  SEQUENCE stays 0; feeds are re-read whole, which is how subscribers see changes.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from bookings.models import Booking
from bookings.transitions import Status
from notifications.ics import CLIENT, LEADER, CalendarEvent
from schedules.models import ClassSession

# Statuses in which the event is off: invitations become CANCEL, feeds say STATUS:CANCELLED.
CALLED_OFF = frozenset({Status.CANCELLED, Status.DECLINED, Status.EXPIRED})
# Statuses in which the time is asked for or kept but not yet firm.
NOT_YET_FIRM = frozenset({Status.REQUESTED, Status.PENDING})


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def what_where(booking: Booking) -> dict:
    """The facts every message and calendar shows, for a class booking or a therapy session."""
    if booking.is_therapy:
        kind = booking.kind
        return {
            "title": kind.title,
            "start": booking.starts_at,
            "end": booking.ends_at,
            "location": booking.location,
            "room": booking.room.name if booking.room else "",
            "practitioner": booking.practitioner,
            "video_link": kind.video_link if kind.is_online else "",
        }
    session = booking.session
    return {
        "title": session.class_type.title,
        "start": session.starts_at,
        "end": session.ends_at,
        "location": session.location,
        "room": session.room.name if session.room else "",
        "practitioner": session.instructor,
        "video_link": session.video_link if session.is_online else "",
    }


def _booking_event(booking: Booking, facts: dict, **fields) -> CalendarEvent:
    """The fields both copies of a booking share: UID, SEQUENCE, time and status."""
    location = facts["location"]
    return CalendarEvent(
        uid=booking.ics_uid,
        sequence=booking.ics_sequence,
        start=facts["start"],
        end=facts["end"],
        tzid=str(location.time_zone) if location else settings.DEFAULT_VIEWER_TIME_ZONE,
        cancelled=booking.status in CALLED_OFF,
        tentative=booking.status in NOT_YET_FIRM,
        **fields,
    )


def client_event(booking: Booking) -> CalendarEvent:
    """The client's copy: their booking page, the studio's address or the video link."""
    facts = what_where(booking)
    location = facts["location"]
    place = location.name if location else _("Online")
    where = place + (f", {facts['room']}" if facts["room"] else "")
    url = _absolute(booking.get_absolute_url())
    return _booking_event(
        booking,
        facts,
        summary=f"{facts['title']} ({settings.STUDIO_NAME})",
        description=_("Booking %(ref)s · %(n)d spot(s) · %(url)s")
        % {"ref": booking.reference, "n": booking.quantity, "url": url},
        location=facts["video_link"] or ((location.address.replace("\n", ", ") if location else "") or where),
        url=url,
        role=CLIENT,
    )


def therapist_event(booking: Booking) -> CalendarEvent:
    """The therapist's copy of a session: the client's name, never their intake or notes."""
    facts = what_where(booking)
    location = facts["location"]
    tentative = _(" (request)") if booking.status == Status.REQUESTED else ""
    url = _absolute(reverse("bookings:therapist_session", args=[booking.reference]))
    return _booking_event(
        booking,
        facts,
        summary=f"{facts['title']}: {booking.client.name}{tentative}",
        description=f"{booking.reference} · {url}",
        location=facts["video_link"]
        or ((location.name if location else _("Online")) + (f" · {facts['room']}" if facts["room"] else "")),
        url=url,
        role=LEADER,
    )


def class_event(session: ClassSession, *, role: str = CLIENT) -> CalendarEvent:
    """A class as the timetable shows it; ``role`` LEADER in its instructor's own feed."""
    location = session.location
    return CalendarEvent(
        uid=f"class-{session.pk}@shala",
        start=session.starts_at,
        end=session.ends_at,
        tzid=str(location.time_zone),
        summary=f"{session.class_type.title} ({settings.STUDIO_NAME})",
        description=f"{session.instructor.public_name} · {location.name}"
        + (f" · {session.room.name}" if session.room else ""),
        location=location.address.replace("\n", ", ") or location.name,
        url=_absolute(session.get_absolute_url()),
        cancelled=session.is_cancelled,
        role=role,
    )
