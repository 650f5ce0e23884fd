"""The therapy confirm page says what submitting will do, before the client submits."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from bookings import services
from bookings.models import Booking
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

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")


def _therapist(name: str, approval: str, location):
    therapist = TherapistFactory(public_name=name, user__time_zone="Europe/Madrid")
    TherapistSettingsFactory(practitioner=therapist, approval=approval, min_notice_hours=2, response_hours=24)
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=therapist, weekday=weekday, start_time=time(9), end_time=time(13), location=location
        )
    return therapist


@pytest.fixture
def place():
    return LocationFactory(time_zone="Europe/Madrid")


@pytest.fixture
def carla():
    return UserFactory(display_name="Carla", time_zone="America/New_York")


def _start(days: int = 4) -> datetime:
    day = timezone.localdate(timezone.now(), MADRID) + timedelta(days=days)
    return datetime.combine(day, time(10), MADRID)


def _confirm_page(client, user, therapist, start):
    kind = therapist.therapy_types.get()
    client.force_login(user)
    return client.get(
        reverse("bookings:book_therapy", args=[kind.slug]),
        {"start": start.isoformat(), "minutes": 60, "therapist": therapist.pk},
    )


def _kind(place, *therapists):
    kind = TherapyTypeFactory(title="Massage", therapists=list(therapists), rooms=[RoomFactory(location=place)])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    return kind


def test_a_request_therapist_is_announced_with_the_answer_time_in_the_clients_zone(client, place, carla):
    ben = _therapist("Ben Ortiz", "request", place)
    _kind(place, ben)
    response = _confirm_page(client, carla, ben, _start())
    html = response.content.decode()
    due = response.context["terms"].answer_by
    assert timezone.now() + timedelta(hours=23) < due <= timezone.now() + timedelta(hours=24)
    when = date_format(due.astimezone(NEW_YORK), "l j F, H:i")
    assert f"This is a request: Ben Ortiz answers by {when}." in html
    assert ">Send request</button>" in html and "Confirm booking" not in html


def test_a_firm_therapist_is_no_request(client, place, carla):
    ana = _therapist("Ana Ruiz", "firm", place)
    _kind(place, ana)
    html = _confirm_page(client, carla, ana, _start()).content.decode()
    assert "This is a request" not in html
    assert "Confirming books this one session." in html and ">Confirm booking</button>" in html


def test_firm_for_returning_clients_is_a_request_for_a_new_client(client, place, carla):
    eva = _therapist("Eva Sanz", "returning", place)
    _kind(place, eva)
    html = _confirm_page(client, carla, eva, _start()).content.decode()
    assert "This is a request: Eva Sanz answers by" in html


def test_firm_for_returning_clients_is_firm_for_a_returning_one(client, place, carla):
    eva = _therapist("Eva Sanz", "returning", place)
    kind = _kind(place, eva)
    past = services.book_therapy(client=carla, therapy_type=kind, minutes=60, practitioner=eva, starts_at=_start(3))
    services.approve_request(booking=past, actor=eva.user)
    type(past).objects.filter(pk=past.pk).update(starts_at=past.starts_at - timedelta(days=30))  # held last month
    html = _confirm_page(client, carla, eva, _start()).content.decode()
    assert "This is a request" not in html and ">Confirm booking</button>" in html


def test_a_single_session_shows_no_number_of_sessions(client, place, carla):
    ana = _therapist("Ana Ruiz", "firm", place)
    _kind(place, ana)
    response = _confirm_page(client, carla, ana, _start())
    form = response.context["form"]
    assert form["repeat"].value() in (None, "") and form["count"].value() is None
    assert 'name="count" value="4"' not in response.content.decode()


def test_a_count_sent_without_repeat_books_one_session(client, place, carla):
    ana = _therapist("Ana Ruiz", "firm", place)
    kind = _kind(place, ana)
    client.force_login(carla)
    start = _start()
    response = client.post(
        reverse("bookings:book_therapy", args=[kind.slug]),
        {"start": start.isoformat(), "minutes": 60, "therapist": ana.pk, "repeat": "", "count": "4", "token": "t1"},
    )
    assert response.status_code == 302
    assert list(carla.bookings.values_list("starts_at", flat=True)) == [start]


# --- the series planning page (the dates listed before anything is booked) ---------------------


def _series_plan(client, user, therapist, start):
    kind = therapist.therapy_types.get()
    client.force_login(user)
    return client.post(
        reverse("bookings:book_therapy", args=[kind.slug]),
        {"start": start.isoformat(), "minutes": 60, "therapist": therapist.pk, "repeat": "1", "count": 3, "token": "s"},
    )


def test_a_series_with_a_request_therapist_says_the_sessions_will_be_requests(client, place, carla):
    ben = _therapist("Ben Ortiz", "request", place)
    _kind(place, ben)
    start = _start()
    response = _series_plan(client, carla, ben, start)
    html = response.content.decode()
    assert 'data-testid="series-form"' in html  # the planning page, nothing booked yet
    due = services.answer_due(ben.therapist_settings, starts_at=start, now=timezone.now())
    when = date_format(due.astimezone(NEW_YORK), "l j F, H:i")  # the client's zone, not Madrid
    assert f"These sessions will be requests: Ben Ortiz answers by {when}." in html
    assert ">Send the requests</button>" in html
    assert not Booking.objects.exists()


def test_a_series_with_a_returning_only_therapist_is_requests_for_a_new_client(client, place, carla):
    eva = _therapist("Eva Sanz", "returning", place)
    _kind(place, eva)
    html = _series_plan(client, carla, eva, _start()).content.decode()
    assert "These sessions will be requests: Eva Sanz answers by" in html


def test_a_series_with_a_firm_therapist_says_nothing_of_requests(client, place, carla):
    ana = _therapist("Ana Ruiz", "firm", place)
    _kind(place, ana)
    html = _series_plan(client, carla, ana, _start()).content.decode()
    assert 'data-testid="series-form"' in html
    assert "will be requests" not in html and ">Book the series</button>" in html
