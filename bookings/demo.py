"""Demo bookings: the two demo clients booked into a few of this week's classes."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from bookings import services
from bookings.models import Booking
from schedules.models import ClassSession, Practitioner, TherapyType
from schedules.slots import slots_for


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
    seed_therapy(write)


def seed_therapy(write) -> None:
    """One firm session with Marta for Carla, one request to Noor from David (idempotent)."""
    carla = User.objects.filter(email="client1@shala.example").first()
    david = User.objects.filter(email="client2@shala.example").first()
    if not carla or not david or Booking.objects.filter(therapy_type__isnull=False).exists():
        return
    made = 0
    today = timezone.localdate()
    for client, type_slug, therapist_slug in (
        (carla, "massage", "marta-ruiz"),
        (david, "psychotherapy", "noor-haddad"),
    ):
        kind = TherapyType.objects.get(slug=type_slug)
        therapist = Practitioner.objects.get(slug=therapist_slug)
        minutes = kind.durations.order_by("minutes").first().minutes
        found = slots_for(
            kind,
            minutes=minutes,
            practitioner_ids=[therapist.pk],
            first_day=today + timedelta(days=2),
            last_day=today + timedelta(days=9),
            now=timezone.now(),
        )[0].slots
        if found:
            services.book_therapy(
                client=client,
                therapy_type=kind,
                minutes=minutes,
                practitioner=therapist,
                starts_at=found[0].start,
                note="Demo booking",
                meta=services.RequestMeta(source="system"),
            )
            made += 1
    write(f"Demo therapy bookings: {made} created (one firm, one request).")
