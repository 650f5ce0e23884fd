"""Demo bookings: the two demo clients booked into a few of this week's classes."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from bookings import services
from bookings.models import Booking
from schedules.models import ClassSession


def seed(write) -> None:
    """Book each demo client into a few upcoming classes, once (idempotent)."""
    clients = list(User.objects.filter(email__in=["client1@shala.example", "client2@shala.example"]).order_by("email"))
    upcoming = list(
        ClassSession.objects.scheduled()
        .filter(starts_at__gte=timezone.now() + timedelta(hours=3))
        .order_by("starts_at")[:8]
    )
    made = 0
    for i, client in enumerate(clients):
        if Booking.objects.filter(client=client).exists():
            continue
        for session in upcoming[i::2][:3]:
            try:
                services.book_class(
                    client=client,
                    session_id=session.pk,
                    quantity=1 + (i + session.pk) % 2,
                    meta=services.RequestMeta(source="system"),
                )
                made += 1
            except services.BookingError:
                continue
    write(f"Demo bookings: {made} created.")
