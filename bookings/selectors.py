"""Reads of bookings shared by pages and admin. Ownership is part of every query."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking
from bookings.transitions import ACTIVE_VALUES


def _with_class(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    return qs.select_related(
        "class_session__class_type", "class_session__location", "class_session__room", "class_session__instructor"
    )


def client_booking(*, client: User, reference: str) -> Booking:
    """The client's own booking; another client's reference is simply not found."""
    return _with_class(Booking.objects.filter(client=client)).get(reference=reference.upper())


def client_bookings(*, client: User) -> tuple[list[Booking], list[Booking]]:
    """(upcoming, past) bookings of a client, soonest / latest first."""
    now = timezone.now()
    mine = _with_class(Booking.objects.filter(client=client))
    upcoming = list(mine.filter(class_session__ends_at__gte=now).order_by("class_session__starts_at", "pk"))
    past = list(mine.filter(class_session__ends_at__lt=now).order_by("-class_session__starts_at", "-pk")[:100])
    return upcoming, past


def active_booking_for(*, client: User, session_id: int) -> Booking | None:
    if not client.is_authenticated:
        return None
    return Booking.objects.filter(client=client, class_session_id=session_id, status__in=ACTIVE_VALUES).first()


def roster(*, session_id: int) -> list[Booking]:
    return list(
        Booking.objects.filter(class_session_id=session_id).select_related("client").order_by("status", "created_at")
    )
