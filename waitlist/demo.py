"""Demo waitlist: one full class with two people waiting for it. Called by seed_demo after
the bookings demo; idempotent (nothing is added once a demo waitlist exists)."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from bookings import selectors as booking_selectors
from bookings import services as booking_services
from schedules.demo import DEMO_PASSWORD
from schedules.models import ClassSession
from waitlist import services
from waitlist.models import WaitlistEntry

WAITING = [("client2@shala.example", "David Client"), ("client3@shala.example", "Elena Waiting")]


def seed(write) -> None:
    if WaitlistEntry.objects.exists():
        write("Demo waitlist: already there.")
        return
    carla = User.objects.filter(email="client1@shala.example").first()
    if carla is None:
        return
    # The latest class Carla booked: the studio made it a small one.
    session = (
        ClassSession.objects.scheduled()
        .filter(
            bookings__client=carla, bookings__status="confirmed", starts_at__gte=timezone.now() + timedelta(hours=3)
        )
        .order_by("-starts_at")
        .first()
    )
    if session is None:
        write("Demo waitlist: no class to fill.")
        return
    ClassSession.objects.filter(pk=session.pk).update(capacity=F("spots_taken"), is_customised=True)
    people = []
    for email, name in WAITING:
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=DEMO_PASSWORD, display_name=name
        )
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        people.append(user)
    joined = 0
    for user in people:
        if booking_selectors.active_booking_for(client=user, session_id=session.pk):
            continue
        services.join_waitlist(
            client=user, session_id=session.pk, party_size=1, meta=booking_services.RequestMeta(source="system")
        )
        joined += 1
    write(f"Demo waitlist: {session} is full with {joined} waiting (client3@shala.example is one of them).")
