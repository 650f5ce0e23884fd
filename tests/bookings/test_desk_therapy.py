"""The desk books a therapy time for a client: the same service as the client's page, with a logged override."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from bookings import desk_therapy, services
from bookings.models import Booking, BookingEvent
from tests.bookings.conftest import MADRID
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, 10:00 in Madrid. The therapist works weekdays 09:00-17:00 with
# 12 hours' notice, so today's 15:00 is inside the notice and tomorrow's 10:00 is not.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
INSIDE_NOTICE = datetime(2026, 12, 7, 15, 0, tzinfo=MADRID)
TOMORROW_10 = datetime(2026, 12, 8, 10, 0, tzinfo=MADRID)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def staff(role: str, **kw):
    user = UserFactory(is_staff=True, **kw)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def desk():
    return staff(roles.FRONT_DESK, display_name="Diego Desk")


def book(client, massage, therapist, starts_at, **kw) -> Booking:
    return services.book_therapy(
        client=client, therapy_type=massage, minutes=60, practitioner=therapist, starts_at=starts_at, **kw
    )


def _last_event(booking: Booking) -> BookingEvent:
    return booking.events.order_by("-pk").first()


# --- the service -----------------------------------------------------------------------------


def test_the_desk_books_a_therapy_time_and_the_event_names_the_desk(desk, client_user, massage, therapist):
    booking = book(client_user, massage, therapist, TOMORROW_10, booked_by=desk)

    assert booking.client == client_user and booking.status == "confirmed"
    event = _last_event(booking)
    assert event.actor == desk and event.reason == "" and "override" not in event.data


def test_a_client_cannot_book_therapy_for_someone_else(client_user, other_client, massage, therapist):
    with pytest.raises(services.NotPermitted):
        book(other_client, massage, therapist, TOMORROW_10, booked_by=client_user)
    assert not Booking.objects.exists()


def test_an_instructor_cannot_book_therapy_for_clients(client_user, massage, therapist):
    with pytest.raises(services.NotPermitted):
        book(client_user, massage, therapist, TOMORROW_10, booked_by=staff(roles.INSTRUCTOR))
    assert not Booking.objects.exists()


def test_a_client_cannot_override_the_notice_for_themself(client_user, massage, therapist):
    with pytest.raises(services.NotPermitted):
        book(client_user, massage, therapist, INSIDE_NOTICE, override="I'm in pain")


def test_inside_the_notice_the_desk_books_only_with_a_reason_which_the_event_keeps(
    desk, client_user, massage, therapist
):
    with pytest.raises(services.BookingError, match="at least 12 hours ahead"):
        book(client_user, massage, therapist, INSIDE_NOTICE, booked_by=desk)

    booking = book(client_user, massage, therapist, INSIDE_NOTICE, booked_by=desk, override="  phoned, in pain ")

    assert booking.starts_at == INSIDE_NOTICE and booking.status == "confirmed"
    event = _last_event(booking)
    assert event.actor == desk
    assert event.reason == "Booked past the rules: phoned, in pain"
    assert event.data["override"] == "phoned, in pain"


def test_the_reason_lifts_the_booking_window_too(desk, client_user, massage, therapist):
    far = datetime(2028, 1, 10, 10, 0, tzinfo=MADRID)  # past the therapist's 365 days
    with pytest.raises(services.BookingError, match="up to 365 days"):
        book(client_user, massage, therapist, far, booked_by=desk)
    assert book(client_user, massage, therapist, far, booked_by=desk, override="a gift voucher").starts_at == far


def test_no_reason_books_outside_the_hours_over_another_booking_or_a_time_that_has_begun(
    desk, client_user, other_client, massage, therapist
):
    evening = datetime(2026, 12, 7, 18, 0, tzinfo=MADRID)
    with pytest.raises(services.SlotTaken, match="working hours"):
        book(client_user, massage, therapist, evening, booked_by=desk, override="after hours")
    book(other_client, massage, therapist, TOMORROW_10)
    with pytest.raises(services.SlotTaken):
        book(client_user, massage, therapist, TOMORROW_10, booked_by=desk, override="squeeze in")
    with pytest.raises(services.BookingError, match="already begun"):
        book(client_user, massage, therapist, datetime(2026, 12, 7, 10, 0, tzinfo=MADRID), booked_by=desk, override="x")
    assert Booking.objects.filter(client=client_user).count() == 0


def test_the_desk_lists_the_free_times_and_marks_those_inside_the_notice(desk, massage, therapist, other_therapist):
    times = desk_therapy.desk_therapy_times(
        viewer=desk, kind=massage, minutes=60, therapists=[therapist], day=NOW.date(), zone=MADRID
    )

    # Today from 10:00 (now) to 16:00 on the half hour grid; before 22:00 Madrid (12 h) all need a reason.
    starts = [t.start.astimezone(MADRID).strftime("%H:%M") for t in times]
    assert starts[0] > "10:00" and starts[-1] == "16:00"
    assert all(t.past_rules for t in times)
    tomorrow = desk_therapy.desk_therapy_times(
        viewer=desk, kind=massage, minutes=60, therapists=[therapist], day=TOMORROW_10.date(), zone=MADRID
    )
    assert tomorrow and not any(t.past_rules for t in tomorrow)


# --- the page --------------------------------------------------------------------------------


def _page(massage, day) -> str:
    return reverse("bookings:desk_book_therapy") + f"?therapy={massage.pk}&minutes=60&day={day}&q=carla"


def test_the_desk_finds_a_time_and_a_client_and_books_from_the_page(client, desk, client_user, massage, therapist):
    client.force_login(desk)
    url = _page(massage, TOMORROW_10.date())

    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Carla Client" in html and "10:00–11:00" in html
    slot = f"{therapist.pk}|{TOMORROW_10.astimezone(UTC).isoformat()}"
    response = client.post(url, {"client": client_user.pk, "slot": slot, "token": "t1"})

    booking = Booking.objects.get(client=client_user)
    assert response.status_code == 302 and response.url.endswith("?day=2026-12-08")
    assert booking.starts_at == TOMORROW_10 and booking.practitioner == therapist
    assert _last_event(booking).actor == desk
    again = client.post(url, {"client": client_user.pk, "slot": slot, "token": "t1"})  # the same form twice
    assert again.status_code == 302 and Booking.objects.filter(client=client_user).count() == 1


def test_inside_the_notice_the_page_asks_for_a_reason(client, desk, client_user, massage, therapist):
    client.force_login(desk)
    url = _page(massage, NOW.date())
    slot = f"{therapist.pk}|{INSIDE_NOTICE.isoformat()}"

    assert "needs a reason" in client.get(url).content.decode()
    refused = client.post(url, {"client": client_user.pk, "slot": slot, "token": "t2"})
    assert refused.status_code == 422 and "Book past the rules" in refused.content.decode()
    assert not Booking.objects.exists()
    booked = client.post(url, {"client": client_user.pk, "slot": slot, "token": "t2", "override": "in pain"})
    assert booked.status_code == 302 and Booking.objects.get().starts_at == INSIDE_NOTICE


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"client": "x", "slot": "1|2026-12-08T09:00:00+00:00"},
        {"client": "999999", "slot": "{therapist}|2026-12-08T09:00:00+00:00"},
        {"client": "{client}", "slot": "nonsense"},
        {"client": "{client}", "slot": "1|9999-12-31T09:00:00+00:00"},
        {"client": "{client}", "slot": "999999|2026-12-08T09:00:00+00:00"},
    ],
)
def test_a_bad_therapy_booking_form_gets_a_message_not_an_error(client, desk, client_user, massage, therapist, data):
    client.force_login(desk)
    filled = {k: v.format(therapist=therapist.pk, client=client_user.pk) for k, v in data.items()}
    page = client.post(_page(massage, TOMORROW_10.date()), {"token": "t", **filled})
    assert page.status_code == 422 and not Booking.objects.exists()


def test_a_bad_filter_gets_a_message_not_an_error(client, desk, massage):
    client.force_login(desk)
    page = client.get(reverse("bookings:desk_book_therapy"), {"therapy": "x", "day": "soon", "minutes": "-4"})
    assert page.status_code == 200 and not Booking.objects.exists()


def test_an_instructor_may_not_book_therapy_by_posting(client, client_user, massage, therapist):
    client.force_login(staff(roles.INSTRUCTOR))
    slot = f"{therapist.pk}|{TOMORROW_10.isoformat()}"
    response = client.post(_page(massage, TOMORROW_10.date()), {"client": client_user.pk, "slot": slot, "token": "t"})
    assert response.status_code == 403 and not Booking.objects.exists()


def test_the_desk_page_links_to_booking_therapy(client, desk):
    client.force_login(desk)
    html = client.get(reverse("bookings:desk_today")).content.decode()
    assert reverse("bookings:desk_book_therapy") + "?day=2026-12-07" in html
