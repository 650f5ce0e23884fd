"""The calendar builder on plain data: names that need quoting survive both parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifications.ics import LEADER, CalendarEvent, Person, calendar_bytes, invitation
from tests.notifications.calendars import Party, read

START = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the night Madrid leaves summer time


def _event(**fields) -> CalendarEvent:
    return CalendarEvent(
        uid="booking-SH-TEST@shala",
        start=START,
        end=START + timedelta(hours=1),
        tzid="Europe/Madrid",
        summary="Osteopathy: Müller, Carla",
        **fields,
    )


@pytest.mark.parametrize(
    ("fields", "method", "status", "partstat"),
    [
        ({}, "REQUEST", "CONFIRMED", "ACCEPTED"),
        ({"tentative": True}, "REQUEST", "TENTATIVE", "TENTATIVE"),
        ({"cancelled": True, "tentative": True}, "CANCEL", "CANCELLED", "ACCEPTED"),
    ],
)
def test_an_invitations_method_and_status_follow_the_event(settings, fields, method, status, partstat):
    settings.STUDIO_NAME = 'Studio "Om", Madrid'  # a double quote cannot be quoted in a parameter
    settings.DEFAULT_FROM_EMAIL = "Bookings <bookings@om.example>"
    got, data = invitation(
        _event(role=LEADER, sequence=3, **fields), to=Person("noor@example.com", "Noor Haddad, PhD"), stamp=START
    )
    cal = read(data)
    (event,) = cal.events
    assert (got, cal.method, event.status, event.sequence) == (method, method, status, 3)
    assert event.organizer == Party("mailto:bookings@om.example", "Studio 'Om', Madrid")
    assert event.attendees == (Party("mailto:noor@example.com", "Noor Haddad, PhD", LEADER, partstat),)
    assert event.summary == "Osteopathy: Müller, Carla" and event.start == START


def test_a_public_feed_names_the_organizer_and_no_attendee(settings):
    settings.STUDIO_NAME = "Om"
    cal = read(calendar_bytes([_event()], stamp=START))
    assert cal.method == "" and cal.events[0].attendees == ()
    assert cal.events[0].organizer.cn == "Om"


def test_an_event_queued_before_the_new_fields_still_reads():
    """Outbox rows written by the previous release have no ``tentative`` or ``role``."""
    old = {k: v for k, v in _event().to_dict().items() if k not in {"tentative", "role"}}
    assert CalendarEvent.from_dict(old) == _event()


@pytest.mark.parametrize("hour", [0, 1, 2])
def test_the_hour_repeated_when_clocks_go_back_reads_back_as_the_same_instant(hour):
    """02:30 happens twice in Madrid that night; a TZID time means the first, so the second goes in UTC."""
    start = datetime(2026, 10, 25, hour, 30, tzinfo=UTC)
    event = CalendarEvent(
        uid="class-1@shala", start=start, end=start + timedelta(hours=1), tzid="Europe/Madrid", summary="Night yoga"
    )
    (read_back,) = read(calendar_bytes([event], stamp=START)).events
    assert read_back.start == start
