"""Booking e-mails through a real SMTP server, with calendar invitations that parse back."""

from zoneinfo import ZoneInfo

import icalendar
import pytest

from bookings import services
from notifications.models import Notification, OutboxStatus
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory
from tests.notifications.conftest import attachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_user():
    return UserFactory(display_name="Carla Client", email="carla@example.com", time_zone="America/New_York")


def _to(inbox, user) -> list:
    """The messages the inbox received for one person (instructors get their own)."""
    return [m for m in inbox.messages if m["To"] == user.email]


def _event(message) -> tuple[icalendar.Calendar, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(attachment(message))
    (event,) = cal.walk("VEVENT")
    return cal, event


def test_booking_sends_a_confirmation_with_an_invitation_that_parses_back(
    smtp_inbox, client_user, django_capture_on_commit_callbacks
):
    session = upcoming_class(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=client_user, session_id=session.pk, quantity=2)

    (message,) = _to(smtp_inbox, client_user)
    assert "Booked:" in message["Subject"] and session.class_type.title in message["Subject"]
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert booking.reference in text and "Hello Carla Client" in text
    new_york = session.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert new_york.strftime("%H:%M") in text  # shown in the recipient's zone

    cal, event = _event(message)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == booking.ics_uid and int(event["SEQUENCE"]) == 0
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == session.starts_at and end == session.ends_at
    assert str(start.tzinfo) == "Europe/Madrid" == event["DTSTART"].params["TZID"]
    assert cal.walk("VTIMEZONE"), "the zone definition travels with the invitation"
    assert Notification.objects.get(kind="booking_confirmed", channel="email").status == OutboxStatus.SENT


def test_cancelling_sends_method_cancel_with_the_same_uid_and_a_higher_sequence(
    smtp_inbox, client_user, django_capture_on_commit_callbacks
):
    session = upcoming_class(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking=booking, actor=client_user, reason="Sick")

    confirmed, cancelled = _to(smtp_inbox, client_user)
    cal, event = _event(cancelled)
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(_event(confirmed)[1]["UID"]) == booking.ics_uid
    assert int(event["SEQUENCE"]) == 1
    assert "Cancelled:" in cancelled["Subject"]


def test_a_moved_booking_keeps_its_uid_and_raises_the_sequence(
    smtp_inbox, client_user, django_capture_on_commit_callbacks
):
    session = upcoming_class(days=4)
    later = upcoming_class(days=6, class_type=session.class_type)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_booking(booking=booking, actor=client_user, session_id=later.pk)
    _, changed = _to(smtp_inbox, client_user)
    _cal, event = _event(changed)
    assert str(event["UID"]) == booking.ics_uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == later.starts_at


def test_a_studio_cancelled_class_tells_everyone_with_the_reason(smtp_inbox, django_capture_on_commit_callbacks):
    from schedules import services as schedule_services

    session = upcoming_class(days=4)
    clients = [UserFactory(), UserFactory()]
    for c in clients:
        services.book_class(client=c, session_id=session.pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_services.cancel_class_session(session=session, reason="Teacher ill")
    bodies = [
        next(p for p in m.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
        for m in smtp_inbox.messages
    ]
    assert sorted(m["To"] for m in smtp_inbox.messages) == sorted(c.email for c in clients)
    assert all("the studio has cancelled this class" in b and "Teacher ill" in b for b in bodies)


def test_the_confirmation_also_appears_in_the_app(client_user, client, django_capture_on_commit_callbacks):
    session = upcoming_class(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        services.book_class(client=client_user, session_id=session.pk, quantity=1)
    row = Notification.objects.get(kind="booking_confirmed", channel="inapp")
    assert row.status == OutboxStatus.SENT and row.read_at is None


def test_the_same_message_twice_writes_no_new_rows(client_user):
    from bookings.messages import booking_confirmed
    from notifications.services import notify

    session = upcoming_class(days=4)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    before = Notification.objects.count()
    booking_confirmed(booking)  # the same message again: same key, no new rows
    notify(recipient=client_user, kind="booking_confirmed", context={}, dedupe_key=f"booking:{booking.pk}:confirmed")
    assert Notification.objects.count() == before
    assert Notification.objects.filter(recipient=client_user).count() == 2  # in-app and e-mail


def test_the_instructor_hears_of_bookings_and_cancellations_but_not_of_a_studio_cancellation(
    client_user, django_capture_on_commit_callbacks
):
    from schedules import services as schedule_services

    session = upcoming_class(days=4)
    instructor = session.instructor.user
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=2, note="Knee")
    services.cancel_booking(booking=booking, actor=client_user)
    other = services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)
    schedule_services.cancel_class_session(session=session, reason="Holiday")
    news = list(
        Notification.objects.filter(recipient=instructor, kind="class_booking_news", channel="email")
        .order_by("pk")
        .values_list("context__event", flat=True)
    )
    assert news == ["booked", "cancelled", "booked"]
    assert other.pk
