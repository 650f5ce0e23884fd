"""Therapy messages through a real SMTP server: requests, answers, proposed times, moves."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from notifications import services as notification_services
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    RoomFactory,
    TherapistFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
    UserFactory,
)
from tests.notifications.conftest import attachment

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def setup():
    location = LocationFactory(time_zone="Europe/Madrid")
    therapist = TherapistFactory(public_name="Noor Haddad", user__email="noor@example.com")
    TherapistSettingsFactory(practitioner=therapist, approval="request", min_notice_hours=2, response_hours=24)
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=therapist, weekday=weekday, start_time=time(9), end_time=time(13), location=location
        )
    kind = TherapyTypeFactory(title="Osteopathy", therapists=[therapist], rooms=[RoomFactory(location=location)])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    client = UserFactory(display_name="Carla", email="carla@example.com", time_zone="America/New_York")
    return kind, therapist, client


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate(timezone.now(), MADRID) + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=MADRID)


def _text(message) -> str:
    return next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()


def _to(inbox, email: str) -> list:
    return [m for m in inbox.messages if m["To"] == email]


def test_a_request_tells_the_client_it_waits_and_asks_the_therapist(
    smtp_inbox, setup, django_capture_on_commit_callbacks
):
    kind, therapist, client = setup
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_therapy(
            client=client, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=_at(3, 10)
        )
    (to_client,) = _to(smtp_inbox, "carla@example.com")
    (to_therapist,) = _to(smtp_inbox, "noor@example.com")
    assert "Requested:" in to_client["Subject"]
    body = _text(to_client)
    assert "held for you" in body and booking.reference in body
    assert _at(3, 10).astimezone(NEW_YORK).strftime("%H:%M") in body  # the client's zone
    assert "New request: Carla" in to_therapist["Subject"]
    assert "/therapist/sessions/" in _text(to_therapist)


def test_approval_sends_the_confirmation_with_an_invitation(smtp_inbox, setup, django_capture_on_commit_callbacks):
    kind, therapist, client = setup
    booking = services.book_therapy(
        client=client, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=_at(3, 10)
    )
    smtp_inbox.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_request(booking=booking, actor=therapist.user)
    (message,) = [m for m in _to(smtp_inbox, "carla@example.com") if "Booked:" in m["Subject"]]
    event = icalendar.Calendar.from_ical(attachment(message)).walk("VEVENT")[0]
    assert str(event["UID"]) == booking.ics_uid and event.decoded("DTSTART") == _at(3, 10)


def test_proposed_times_arrive_with_one_click_links_in_the_clients_zone(
    smtp_inbox, setup, django_capture_on_commit_callbacks
):
    kind, therapist, client = setup
    booking = services.book_therapy(
        client=client, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=_at(3, 10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        proposals = services.propose_times(
            booking=booking, actor=therapist.user, starts=[_at(4, 9), _at(4, 11)], message="Either works"
        )
    (message,) = [m for m in _to(smtp_inbox, "carla@example.com") if "suggests" in m["Subject"]]
    body = _text(message)
    for p in proposals:
        assert f"/proposals/{p.pk}/" in body
        assert p.starts_at.astimezone(NEW_YORK).strftime("%H:%M") in body
    assert "Either works" in body


def test_a_declined_request_says_why(smtp_inbox, setup, django_capture_on_commit_callbacks):
    kind, therapist, client = setup
    booking = services.book_therapy(
        client=client, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=_at(3, 10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_request(booking=booking, actor=therapist.user, reason="Fully booked that week")
    (message,) = [m for m in _to(smtp_inbox, "carla@example.com") if "Not possible" in m["Subject"]]
    assert "Fully booked that week" in _text(message)


def test_a_move_keeps_the_uid_and_raises_the_sequence(smtp_inbox, setup, django_capture_on_commit_callbacks):
    kind, therapist, client = setup
    booking = services.book_therapy(
        client=client, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=_at(3, 10)
    )
    services.approve_request(booking=booking, actor=therapist.user)
    booking.refresh_from_db()
    before = booking.ics_sequence
    smtp_inbox.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule(booking=booking, starts_at=_at(5, 11), actor=client, meta=services.RequestMeta())
    (message,) = [m for m in _to(smtp_inbox, "carla@example.com") if "Changed:" in m["Subject"]]
    event = icalendar.Calendar.from_ical(attachment(message)).walk("VEVENT")[0]
    assert str(event["UID"]) == booking.ics_uid
    assert int(event["SEQUENCE"]) == before + 1
    assert event.decoded("DTSTART") == _at(5, 11)
    assert any("Moved: Carla" in m["Subject"] for m in _to(smtp_inbox, "noor@example.com"))


def test_an_expired_request_tells_the_client(smtp_inbox, setup, django_capture_on_commit_callbacks):
    kind, therapist, client = setup
    booking = services.book_therapy(
        client=client, therapy_type=kind, minutes=60, practitioner=therapist, starts_at=_at(3, 10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_requests(now=booking.respond_by + timedelta(minutes=1)) == 1
    (message,) = [m for m in _to(smtp_inbox, "carla@example.com") if "expired" in m["Subject"]]
    assert "Nothing has been charged" in _text(message)


def test_feeds_hold_the_clients_session_and_the_therapists_diary_without_intake(client, setup):
    kind, therapist, carla = setup
    booking = services.book_therapy(
        client=carla,
        therapy_type=kind,
        minutes=60,
        practitioner=therapist,
        starts_at=_at(3, 10),
        intake={"What brings you?": "Back pain since May"},
    )
    other = UserFactory()
    for user in (carla, therapist.user):  # one session, one UID in both diaries
        token = notification_services.feed_token(user=user)
        body = client.get(reverse("bookings:feed", args=[token])).content.decode()
        assert f"UID:booking-{booking.reference}@shala" in body and "Back pain" not in body
    token = notification_services.feed_token(user=other)
    assert booking.reference not in client.get(reverse("bookings:feed", args=[token])).content.decode()
