"""Fixtures for booking tests: an upcoming class with ten spots, clients, and a therapist's week."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingPolicy
from bookings.services import book_therapy
from schedules import services as schedule_services
from schedules.models import Occupancy, TherapistSettings
from schedules.recurrence import wall_time_to_utc
from tests.factories import (
    AvailabilityRuleFactory,
    ClassSessionFactory,
    LocationFactory,
    RoomFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def default_policy(request) -> BookingPolicy | None:
    """The studio default of migration 0002 (24 h: 100 %, 12 h: 50 %).

    Re-created when a transactional test flushed the tables since migrating.
    """
    if not request.node.get_closest_marker("django_db"):
        return None
    request.getfixturevalue("db" if not _transactional(request) else "transactional_db")
    policy, created = BookingPolicy.objects.get_or_create(
        is_default=True, defaults={"name": "Studio default", "booking_opens_days": 30, "cutoff_minutes": 60}
    )
    if created:
        policy.tiers.create(min_hours_before=Decimal("24"), refund_percent=Decimal("100"))
        policy.tiers.create(min_hours_before=Decimal("12"), refund_percent=Decimal("50"))
    return policy


def upcoming_class(*, days: float = 3, capacity: int = 10, price: str = "12.00", **kw):
    """A scheduled class ``days`` ahead, saved through the timetable service (occupancy included)."""
    start = kw.pop("starts_at", None) or timezone.now().replace(microsecond=0) + timedelta(days=days)
    session = ClassSessionFactory(
        starts_at=start, ends_at=start + timedelta(hours=1), capacity=capacity, price=Decimal(price), **kw
    )
    return schedule_services.save_class_session(session=session)


@pytest.fixture
def session():
    return upcoming_class()


@pytest.fixture
def client_user():
    return UserFactory(display_name="Carla Client")


@pytest.fixture
def other_client():
    return UserFactory(display_name="David Other")


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


# --- therapy ---------------------------------------------------------------------------------
# A massage therapist in Madrid working Monday to Friday 09:00-17:00 at one studio with
# one suitable room; 5 minutes' buffer before a session and 10 after, 12 hours' notice.

MADRID = ZoneInfo("Europe/Madrid")


def therapy_monday() -> date:
    """A Monday three to four weeks ahead: inside the booking window, clear of the notice."""
    today = timezone.localdate()
    return today + timedelta(days=21 - today.weekday())


def at(hh: int, mm: int = 0, *, day: date | None = None, weeks: int = 0) -> datetime:
    """A Madrid wall time on the test Monday (or ``day``), ``weeks`` later, as UTC."""
    return wall_time_to_utc((day or therapy_monday()) + timedelta(weeks=weeks), time(hh, mm), MADRID)


@pytest.fixture
def therapy_studio():
    return LocationFactory(name="Centro", slug="centro")


@pytest.fixture
def therapy_room(therapy_studio):
    return RoomFactory(location=therapy_studio, name="Sala Luna", capacity=2)


def make_therapist(location, **settings):
    row = TherapistSettingsFactory(
        buffer_before_minutes=5, buffer_after_minutes=10, min_notice_hours=12, booking_window_days=365, **settings
    )
    for weekday in range(5):
        AvailabilityRuleFactory(
            practitioner=row.practitioner, weekday=weekday, start_time=time(9), end_time=time(17), location=location
        )
    return row.practitioner


@pytest.fixture
def therapist(therapy_studio):
    return make_therapist(therapy_studio)


@pytest.fixture
def other_therapist(therapy_studio):
    return make_therapist(therapy_studio)


@pytest.fixture
def massage(therapist, other_therapist, therapy_room):
    kind = TherapyTypeFactory(
        title="Massage", slug="massage", therapists=[therapist, other_therapist], rooms=[therapy_room]
    )
    TherapyDurationFactory(therapy_type=kind, minutes=60, price=Decimal("60.00"))
    TherapyDurationFactory(therapy_type=kind, minutes=90, price=Decimal("85.00"))
    return kind


def set_approval(therapist, approval: str, **more) -> None:
    TherapistSettings.objects.filter(practitioner=therapist).update(approval=approval, **more)


def overlapping_request(first: Booking, client, *, shift: timedelta = timedelta(minutes=30)) -> Booking:
    """A second request whose tentative hold overlaps ``first``'s.

    The slot engine counts holds as busy, so it is asked for a free time and then
    moved over the first one: the database lets two tentative holds overlap.
    """
    second = book_therapy(
        client=client,
        therapy_type=first.therapy_type,
        minutes=first.duration_minutes,
        practitioner=first.practitioner,
        starts_at=first.starts_at + timedelta(days=1),
    )
    hold = Occupancy.objects.get(pk=first.occupancy_id)
    Occupancy.objects.filter(pk=second.occupancy_id).update(
        starts_at=hold.starts_at + shift, ends_at=hold.ends_at + shift
    )
    Booking.objects.filter(pk=second.pk).update(starts_at=first.starts_at + shift, ends_at=first.ends_at + shift)
    second.refresh_from_db()
    return second


def availability_post(*rows: tuple[str, str, str, object], spare: int = 0, **settings) -> dict:
    """What the therapist's "Hours & settings" form posts: weekly ranges (weekday, from, until,
    location pk or ""), ``spare`` rows left empty, and the booking settings (defaults, overridable)."""
    data = {
        "hours-TOTAL_FORMS": str(len(rows) + spare),
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
    }
    for i, (weekday, start, end, location) in enumerate(rows):
        data |= {f"hours-{i}-weekday": weekday, f"hours-{i}-start": start, f"hours-{i}-end": end}
        data[f"hours-{i}-location"] = location
    for i in range(len(rows), len(rows) + spare):
        data[f"hours-{i}-weekday"] = ""
    defaults = {
        "time_zone": "Europe/Madrid",
        "approval": "firm",
        "response_hours": "24",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "min_notice_hours": "2",
        "booking_window_days": "60",
        "slot_step_minutes": "30",
    }
    return data | {f"cfg-{k}": v for k, v in (defaults | settings).items()}
