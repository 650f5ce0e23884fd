"""Calendar invitations in e-mails, read back by two parsers (icalendar and vobject).

What calendar apps rely on (RFC 5545/5546): one UID per event wherever it appears,
METHOD:REQUEST for a new or changed event and METHOD:CANCEL (STATUS:CANCELLED) to
remove it, a SEQUENCE that rises with every change, the studio as ORGANIZER and the
recipient as ATTENDEE, and the MIME part's ``method=`` equal to the METHOD inside.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from schedules import services as schedule_services
from tests.bookings.conftest import upcoming_class
from tests.factories import (
    staff_with,
)
from tests.notifications.calendars import Invitation, Party, invitations

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lotus_studio")]
MADRID = ZoneInfo("Europe/Madrid")
STUDIO = Party("mailto:hello@lotus.example", "Lotus Studio")


def _assert_from_the_studio_to(invite: Invitation, user, *, role: str) -> None:
    """ORGANIZER is the studio; the only ATTENDEE is the person the e-mail went to."""
    assert invite.mime_method == invite.method
    event = invite.event
    assert event.organizer == STUDIO
    (attendee,) = event.attendees
    assert (attendee.address, attendee.cn, attendee.role) == (f"mailto:{user.email}", user.name, role)
    assert attendee.partstat in {"ACCEPTED", "TENTATIVE"}


# --- classes --------------------------------------------------------------------------------


def test_a_class_booking_invites_the_client_to_the_studios_event(smtp_inbox, carla, django_capture_on_commit_callbacks):
    session = upcoming_class(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=carla, session_id=session.pk, quantity=1)
    (invite,) = invitations(smtp_inbox, carla.email)
    assert invite.method == "REQUEST"
    _assert_from_the_studio_to(invite, carla, role="REQ-PARTICIPANT")
    event = invite.event
    assert (event.uid, event.sequence, event.status) == (booking.ics_uid, 0, "CONFIRMED")
    assert event.attendees[0].partstat == "ACCEPTED"
    assert event.url == "https://lotus.example" + booking.get_absolute_url()
    assert event.start == session.starts_at


def test_a_moved_class_booking_updates_the_same_event(smtp_inbox, carla, django_capture_on_commit_callbacks):
    session = upcoming_class(days=4)
    later = upcoming_class(days=6, class_type=session.class_type)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=carla, session_id=session.pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_booking(booking=booking, actor=carla, session_id=later.pk)
    booked, moved = invitations(smtp_inbox, carla.email)
    assert moved.method == "REQUEST"
    _assert_from_the_studio_to(moved, carla, role="REQ-PARTICIPANT")
    assert moved.event.uid == booked.event.uid
    assert moved.event.sequence > booked.event.sequence
    assert (moved.event.start, moved.event.status) == (later.starts_at, "CONFIRMED")


@pytest.mark.parametrize("who", ["client", "staff", "studio cancels the class"])
def test_a_cancelled_class_booking_cancels_the_same_event(smtp_inbox, carla, who, django_capture_on_commit_callbacks):
    session = upcoming_class(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=carla, session_id=session.pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        if who == "client":
            services.cancel_booking(booking=booking, actor=carla, reason="Sick")
        elif who == "staff":
            services.cancel_booking(booking=booking, actor=staff_with("bookings.change_booking"), reason="Desk")
        else:
            schedule_services.cancel_class_session(session=session, reason="Teacher ill")
    booked, cancelled = invitations(smtp_inbox, carla.email)
    assert (cancelled.mime_method, cancelled.method, cancelled.event.status) == ("CANCEL", "CANCEL", "CANCELLED")
    _assert_from_the_studio_to(cancelled, carla, role="REQ-PARTICIPANT")
    assert cancelled.event.uid == booked.event.uid
    assert cancelled.event.sequence > booked.event.sequence


# --- therapy sessions: the client's copy and the therapist's ------------------------------------


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate(timezone.now(), MADRID) + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=MADRID)


def request_session(osteopathy, client):
    """A request for an hour three days ahead at 10:00 Madrid time."""
    kind, noor = osteopathy
    return services.book_therapy(client=client, therapy_type=kind, minutes=60, practitioner=noor, starts_at=_at(3, 10))


def _both(inbox, carla, noor) -> tuple[Invitation, Invitation]:
    """The latest invitation each of the two received."""
    return invitations(inbox, carla.email)[-1], invitations(inbox, noor.user.email)[-1]


def _assert_one_event_two_copies(to_client: Invitation, to_therapist: Invitation, booking, carla, noor) -> None:
    """One UID and SEQUENCE for the session; each copy names its own reader and links to their own page."""
    _assert_from_the_studio_to(to_client, carla, role="REQ-PARTICIPANT")
    _assert_from_the_studio_to(to_therapist, noor.user, role="CHAIR")
    assert to_client.method == to_therapist.method
    assert to_client.event.uid == to_therapist.event.uid == booking.ics_uid
    assert to_client.event.sequence == to_therapist.event.sequence
    assert to_client.event.status == to_therapist.event.status
    assert to_client.event.url == "https://lotus.example" + reverse("bookings:detail", args=[booking.reference])
    therapist_page = "https://lotus.example" + reverse("bookings:therapist_session", args=[booking.reference])
    assert to_therapist.event.url == therapist_page
    assert booking.get_absolute_url() not in to_therapist.event.description


def test_a_request_is_a_tentative_event_for_client_and_therapist(
    smtp_inbox, osteopathy, carla, django_capture_on_commit_callbacks
):
    _kind, noor = osteopathy
    with django_capture_on_commit_callbacks(execute=True):
        booking = request_session(osteopathy, carla)
    to_client, to_therapist = _both(smtp_inbox, carla, noor)
    assert to_client.method == "REQUEST" and to_client.event.status == "TENTATIVE"
    _assert_one_event_two_copies(to_client, to_therapist, booking, carla, noor)
    assert to_client.event.sequence == 0


def test_an_approved_request_confirms_both_copies_with_a_higher_sequence(
    smtp_inbox, osteopathy, carla, django_capture_on_commit_callbacks
):
    _kind, noor = osteopathy
    with django_capture_on_commit_callbacks(execute=True):
        booking = request_session(osteopathy, carla)
    requested, _ = _both(smtp_inbox, carla, noor)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.approve_request(booking=booking, actor=noor.user)
    to_client, to_therapist = _both(smtp_inbox, carla, noor)
    assert to_client.method == "REQUEST" and to_client.event.status == "CONFIRMED"
    assert to_client.event.attendees[0].partstat == "ACCEPTED"
    _assert_one_event_two_copies(to_client, to_therapist, booking, carla, noor)
    assert to_client.event.sequence > requested.event.sequence


def test_a_rescheduled_session_updates_both_copies(smtp_inbox, osteopathy, carla, django_capture_on_commit_callbacks):
    _kind, noor = osteopathy
    booking = services.approve_request(booking=request_session(osteopathy, carla), actor=noor.user)
    with django_capture_on_commit_callbacks(execute=True):
        booking_confirmed_again = services.reschedule(booking=booking, starts_at=_at(5, 11), actor=carla)
    to_client, to_therapist = _both(smtp_inbox, carla, noor)
    assert to_client.method == "REQUEST" and to_client.event.status == "CONFIRMED"
    assert to_client.event.start == to_therapist.event.start == _at(5, 11)
    _assert_one_event_two_copies(to_client, to_therapist, booking_confirmed_again, carla, noor)
    assert to_client.event.sequence == booking.ics_sequence + 1


@pytest.mark.parametrize("who", ["client", "therapist", "staff"])
def test_a_cancelled_session_is_cancelled_in_both_calendars(
    smtp_inbox, osteopathy, carla, who, django_capture_on_commit_callbacks
):
    _kind, noor = osteopathy
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.approve_request(booking=request_session(osteopathy, carla), actor=noor.user)
    confirmed, _ = _both(smtp_inbox, carla, noor)
    with django_capture_on_commit_callbacks(execute=True):
        if who == "client":
            services.cancel_booking(booking=booking, actor=carla, reason="Sick")
        elif who == "therapist":
            services.therapist_cancel(booking=booking, actor=noor.user, reason="Ill")
        else:
            services.cancel_booking(booking=booking, actor=staff_with("bookings.change_booking"), reason="Desk")
    booking.refresh_from_db()
    to_client, to_therapist = _both(smtp_inbox, carla, noor)
    for invite in (to_client, to_therapist):
        assert (invite.mime_method, invite.method, invite.event.status) == ("CANCEL", "CANCEL", "CANCELLED")
    _assert_one_event_two_copies(to_client, to_therapist, booking, carla, noor)
    assert to_client.event.sequence > confirmed.event.sequence


@pytest.mark.parametrize("end", ["declined", "expired"])
def test_a_request_that_ends_unanswered_or_declined_is_withdrawn_from_both_calendars(
    smtp_inbox, osteopathy, carla, end, django_capture_on_commit_callbacks
):
    _kind, noor = osteopathy
    with django_capture_on_commit_callbacks(execute=True):
        booking = request_session(osteopathy, carla)
    requested, _ = _both(smtp_inbox, carla, noor)
    with django_capture_on_commit_callbacks(execute=True):
        if end == "declined":
            services.decline_request(booking=booking, actor=noor.user, reason="Full that week")
        else:
            assert services.expire_requests(now=booking.respond_by + timedelta(minutes=1)) == 1
    booking.refresh_from_db()
    to_client, to_therapist = _both(smtp_inbox, carla, noor)
    for invite in (to_client, to_therapist):
        assert (invite.mime_method, invite.method, invite.event.status) == ("CANCEL", "CANCEL", "CANCELLED")
    _assert_one_event_two_copies(to_client, to_therapist, booking, carla, noor)
    assert to_client.event.sequence > requested.event.sequence


def test_the_therapists_invitation_opens_their_own_page_for_the_session(
    client, smtp_inbox, osteopathy, carla, django_capture_on_commit_callbacks
):
    _kind, noor = osteopathy
    with django_capture_on_commit_callbacks(execute=True):
        request_session(osteopathy, carla)
    (to_therapist,) = invitations(smtp_inbox, noor.user.email)
    client.force_login(noor.user)
    response = client.get(to_therapist.event.url.removeprefix("https://lotus.example"))
    assert response.status_code == 200 and "Carla Client" in response.content.decode()
