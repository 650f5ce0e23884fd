"""The admin's CSV export: one row shape for class and therapy bookings, wall times of the place."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import services
from bookings.models import Booking
from bookings.services import book_therapy
from schedules.models import Practitioner
from tests.bookings.conftest import MADRID, at, make_therapist, upcoming_class
from tests.factories import (
    LocationFactory,
    PractitionerFactory,
    RoomFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CANARY = ZoneInfo("Atlantic/Canary")  # an hour behind Madrid: shows whose zone a time is written in


@pytest.fixture
def staff(client):
    user = UserFactory(email="desk@example.com", is_staff=True, is_superuser=True, time_zone="America/New_York")
    client.force_login(user)
    return user


@pytest.fixture
def lesson() -> Booking:
    centro = LocationFactory(name="Centro", slug="centro", time_zone="Europe/Madrid")
    session = upcoming_class(
        days=4,
        price="14.00",
        location=centro,
        room=RoomFactory(location=centro, name="Sala Sol"),
        instructor=PractitionerFactory(public_name="Ana García"),
        class_type__title="Vinyasa Flow",
    )
    carla = UserFactory(display_name="Carla Client", email="carla@example.com", phone="+34600111222")
    return services.book_class(client=carla, session_id=session.pk, quantity=2)


@pytest.fixture
def massage_booking(massage, therapist) -> Booking:
    Practitioner.objects.filter(pk=therapist.pk).update(public_name="Leo Martín")
    david = UserFactory(display_name="David Other", email="david@example.com")
    return book_therapy(client=david, therapy_type=massage, minutes=90, practitioner=therapist, starts_at=at(10))


@pytest.fixture
def online_booking() -> Booking:
    video = LocationFactory(name="Online", slug="online", is_online=True, time_zone="Atlantic/Canary")
    therapist = make_therapist(video)
    Practitioner.objects.filter(pk=therapist.pk).update(public_name="Marta Ruiz")
    counselling = TherapyTypeFactory(title="Counselling", is_online=True, therapists=[therapist])
    TherapyDurationFactory(therapy_type=counselling, minutes=50, price=Decimal("55.00"))
    # Typed by the client: a spreadsheet must not run it as a formula.
    eve = UserFactory(display_name="=HYPERLINK(evil)", email="eve@example.com", phone="+447700900123")
    return book_therapy(client=eve, therapy_type=counselling, minutes=50, practitioner=therapist, starts_at=at(12))


def _export(client, *bookings: Booking) -> list[dict[str, str]]:
    response = client.post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "export_csv", "index": "0", "select_across": "0", "_selected_action": [b.pk for b in bookings]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return sorted(rows, key=lambda r: [b.reference for b in bookings].index(r["reference"]))


def _wall(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def test_it_names_the_columns_once(client, staff, lesson):
    response = client.post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "export_csv", "index": "0", "_selected_action": [lesson.pk]},
    )

    assert next(csv.reader(io.StringIO(response.content.decode()))) == [
        "reference",
        "kind",
        "what",
        "practitioner",
        "location",
        "room",
        "start",
        "end",
        "time_zone",
        "client",
        "email",
        "phone",
        "party_size",
        "status",
        "price",
        "currency",
        "created_at",
    ]


def test_it_writes_a_class_booking_in_the_studios_wall_time(client, staff, lesson):
    [row] = _export(client, lesson)
    session = lesson.class_session

    assert row == {
        "reference": lesson.reference,
        "kind": "class",
        "what": "Vinyasa Flow",
        "practitioner": "Ana García",
        "location": "Centro",
        "room": "Sala Sol",
        "start": _wall(session.starts_at, MADRID),
        "end": _wall(session.starts_at + timedelta(hours=1), MADRID),
        "time_zone": "Europe/Madrid",
        "client": "Carla Client",
        "email": "carla@example.com",
        "phone": "+34600111222",
        "party_size": "2",
        "status": "Confirmed",
        "price": "28.00",
        "currency": "EUR",
        "created_at": _wall(lesson.created_at, MADRID),
    }


def test_it_writes_a_therapy_booking_with_its_therapist_room_and_length(client, staff, massage_booking):
    [row] = _export(client, massage_booking)

    assert row == {
        "reference": massage_booking.reference,
        "kind": "therapy",
        "what": "Massage · 90 min",
        "practitioner": "Leo Martín",
        "location": "Centro",
        "room": "Sala Luna",
        "start": _wall(at(10), MADRID),
        "end": _wall(at(11, 30), MADRID),
        "time_zone": "Europe/Madrid",
        "client": "David Other",
        "email": "david@example.com",
        "phone": "",
        "party_size": "1",
        "status": "Confirmed",
        "price": "85.00",
        "currency": "EUR",
        "created_at": _wall(massage_booking.created_at, MADRID),
    }


def test_it_writes_an_online_therapy_in_the_online_locations_zone(client, staff, online_booking):
    [row] = _export(client, online_booking)

    assert row == {
        "reference": online_booking.reference,
        "kind": "therapy",
        "what": "Counselling · 50 min",
        "practitioner": "Marta Ruiz",
        "location": "Online",
        "room": "",
        "start": _wall(at(12), CANARY),
        "end": _wall(at(12, 50), CANARY),
        "time_zone": "Atlantic/Canary",
        "client": "'=HYPERLINK(evil)",
        "email": "eve@example.com",
        "phone": "+447700900123",
        "party_size": "1",
        "status": "Confirmed",
        "price": "55.00",
        "currency": "EUR",
        "created_at": _wall(online_booking.created_at, CANARY),
    }
    assert row["start"] == _wall(at(11), MADRID)  # 12:00 in Madrid is 11:00 on the Canaries


def test_it_exports_both_kinds_together_in_as_many_queries_as_one(
    client, staff, lesson, massage_booking, online_booking
):
    with CaptureQueriesContext(connection) as one:
        _export(client, lesson)
    with CaptureQueriesContext(connection) as three:
        rows = _export(client, lesson, massage_booking, online_booking)

    assert [r["kind"] for r in rows] == ["class", "therapy", "therapy"]
    assert [r["time_zone"] for r in rows] == ["Europe/Madrid", "Europe/Madrid", "Atlantic/Canary"]
    assert len(three.captured_queries) == len(one.captured_queries)
