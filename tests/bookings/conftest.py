"""Fixtures for booking tests: an upcoming class with ten spots, and clients."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import BookingPolicy
from schedules import services as schedule_services
from tests.factories import ClassSessionFactory, UserFactory


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
