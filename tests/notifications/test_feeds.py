"""Calendar feeds and files: secret tokens, own bookings only, parseable iCalendar."""

import icalendar
import pytest
from django.urls import reverse

from bookings import services
from notifications import services as notification_services
from schedules import services as schedule_services
from tests.bookings.conftest import upcoming_class
from tests.factories import PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _uids(response) -> set[str]:
    assert response["Content-Type"].startswith("text/calendar")
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


def test_a_personal_feed_holds_only_the_owners_bookings_with_cancelled_ones_marked(client):
    owner, other = UserFactory(), UserFactory()
    session = upcoming_class()
    mine = services.book_class(client=owner, session_id=session.pk, quantity=1)
    gone = services.book_class(client=owner, session_id=upcoming_class(days=4).pk, quantity=1)
    services.cancel_booking(booking=gone, actor=owner)
    theirs = services.book_class(client=other, session_id=session.pk, quantity=1)
    token = notification_services.feed_token(user=owner)
    response = client.get(reverse("bookings:feed", args=[token]))
    assert _uids(response) == {mine.ics_uid, gone.ics_uid} and theirs.ics_uid not in _uids(response)
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}
    assert statuses == {mine.ics_uid: "CONFIRMED", gone.ics_uid: "CANCELLED"}


def test_a_wrong_or_revoked_token_is_a_404(client):
    owner = UserFactory()
    token = notification_services.feed_token(user=owner)
    assert client.get(reverse("bookings:feed", args=["not-the-token"])).status_code == 404
    new = notification_services.regenerate_feed_token(user=owner)
    assert client.get(reverse("bookings:feed", args=[token])).status_code == 404
    assert client.get(reverse("bookings:feed", args=[new])).status_code == 200
    notification_services.revoke_feed_token(user=owner)
    assert client.get(reverse("bookings:feed", args=[new])).status_code == 404


@pytest.mark.parametrize("token", ["%00", "ab%00cd", "x" * 5000, "%C3%BC", "a%20b"])
def test_a_token_with_a_nul_or_other_junk_is_a_404(client, token):
    """PostgreSQL answers a NUL in a query with an error: it must not reach the token lookup."""
    notification_services.feed_token(user=UserFactory())
    assert client.get(f"/calendar/{token}/shala.ics").status_code == 404


def test_the_token_lookup_refuses_what_cannot_be_a_token():
    owner = UserFactory()
    token = notification_services.feed_token(user=owner)
    assert notification_services.user_for_feed_token(token) == owner
    assert notification_services.user_for_feed_token(token + "\x00") is None
    assert notification_services.user_for_feed_token("\x00") is None


def test_a_practitioners_feed_holds_the_classes_they_teach_under_the_timetables_uids(client):
    teacher = PractitionerFactory()
    session = upcoming_class(instructor=teacher)
    cancelled = upcoming_class(days=5, instructor=teacher)
    schedule_services.cancel_class_session(session=cancelled, reason="Holiday")
    upcoming_class(days=6)  # someone else's class
    token = notification_services.feed_token(user=teacher.user)
    assert _uids(client.get(reverse("bookings:feed", args=[token]))) == {
        f"class-{session.pk}@shala",
        f"class-{cancelled.pk}@shala",  # marked STATUS:CANCELLED (tests/notifications/test_calendar_feeds.py)
    }


def test_the_studio_feed_lists_the_timetable_with_zones(client):
    session = upcoming_class()
    cal = icalendar.Calendar.from_ical(client.get(reverse("bookings:studio_feed")).content)
    (event,) = cal.walk("VEVENT")
    assert event.decoded("DTSTART") == session.starts_at and event["DTSTART"].params["TZID"] == "Europe/Madrid"


def test_a_booking_file_is_for_its_owner_only(client):
    owner, other = UserFactory(), UserFactory()
    booking = services.book_class(client=owner, session_id=upcoming_class().pk, quantity=1)
    url = reverse("bookings:ics", args=[booking.reference])
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    assert _uids(client.get(url)) == {booking.ics_uid}


def test_my_bookings_offers_the_feed_address_and_regenerates_it(client):
    owner = UserFactory()
    client.force_login(owner)
    assert "Get a calendar address" in client.get(reverse("bookings:mine")).content.decode()
    client.post(reverse("bookings:regenerate_feed"))
    token = notification_services.feed_token(user=owner, create=False)
    assert token in client.get(reverse("bookings:mine")).content.decode()
    client.post(reverse("bookings:revoke_feed"))
    assert notification_services.feed_token(user=owner, create=False) is None
