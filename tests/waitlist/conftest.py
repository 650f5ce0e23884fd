"""Fixtures for waitlist tests: the studio defaults, a full class and people waiting for it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings import services as booking_services
from bookings.models import BookingPolicy
from schedules.models import ClassSession
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory
from waitlist import services
from waitlist.models import WaitlistSettings


@pytest.fixture(autouse=True)
def studio_defaults(request):
    """The default booking policy and waitlist settings of the migrations.

    Re-created when a transactional test flushed the tables since migrating.
    """
    if not request.node.get_closest_marker("django_db"):
        return None
    marker = request.node.get_closest_marker("django_db")
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    policy, created = BookingPolicy.objects.get_or_create(
        is_default=True, defaults={"name": "Studio default", "booking_opens_days": 30, "cutoff_minutes": 60}
    )
    if created:
        policy.tiers.create(min_hours_before=Decimal("24"), refund_percent=Decimal("100"))
    WaitlistSettings.objects.get_or_create(class_type=None)
    return policy


def full_class(*, capacity: int = 2, days: float = 3, **kw) -> tuple[ClassSession, list]:
    """A class whose every spot is booked, one spot per client; returns it and the bookings."""
    session = upcoming_class(capacity=capacity, days=days, **kw)
    bookings = [
        booking_services.book_class(client=UserFactory(), session_id=session.pk, quantity=1) for _ in range(capacity)
    ]
    session.refresh_from_db()
    return session, bookings


def wait(session: ClassSession, party_size: int = 1, *, client=None, **user):
    """A client joins the waitlist (through the service, as the page does)."""
    client = client or UserFactory(**user)
    return services.join_waitlist(client=client, session_id=session.pk, party_size=party_size)


def settings_for(session: ClassSession, **values) -> WaitlistSettings:
    row, _ = WaitlistSettings.objects.update_or_create(class_type=session.class_type, defaults=values)
    return row


def offer_of(entry):
    entry.refresh_from_db()
    return entry.offer


def past(minutes: float = 1):
    from django.utils import timezone

    return timezone.now() + timedelta(minutes=minutes)
