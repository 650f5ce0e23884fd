"""Section "waitlist": processing a cancellation on a class with a long waitlist.

Two full classes (capacity 40, every spot booked), one with 500 clients waiting and
one with 5,000. Each timed call cancels one confirmed booking through
``bookings.services.cancel_booking``: the transaction that frees the spot also runs
the waitlist (the ``spots_released`` receiver), which offers the spot to the head of
the queue as a pending booking, with its events and outbox rows. Timed: the whole
call, commit included; queued delivery after the commit is switched off (no broker
round trip: that is the notifications section's business).

``queries_500`` and ``queries_5000`` are the SQL statements one such cancellation
sends; they must be equal, since processing reads only the head of the queue.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from tests.bench.measure import count_queries, log, percentile

CAPACITY = 40
WARMUP = 5
REPEAT = 30  # timed cancellations per class; + WARMUP + 1 counted, all within CAPACITY


def _seed(waiting: int, tag: str):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, BookingStatus
    from schedules.models import ClassSession, ClassType, Location, Practitioner, Room
    from waitlist.models import WaitlistEntry

    location, _ = Location.objects.get_or_create(slug="bench", defaults={"name": "Bench studio"})
    room, _ = Room.objects.get_or_create(location=location, name="Big room", defaults={"capacity": 1000})
    teacher = Practitioner.objects.filter(slug="bench-teacher").first()
    if teacher is None:
        user = User.objects.create(email="teacher@bench.example", password=make_password(None))
        teacher = Practitioner.objects.create(user=user, slug="bench-teacher", public_name="Bench", is_instructor=True)
    kind, _ = ClassType.objects.get_or_create(
        slug=f"bench-{tag}", defaults={"title": f"Bench {tag}", "capacity": CAPACITY, "price": Decimal("12.00")}
    )
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3, hours=len(tag))
    session = ClassSession.objects.create(
        class_type=kind,
        location=location,
        room=room,
        instructor=teacher,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=CAPACITY,
        spots_taken=CAPACITY,
        price=Decimal("12.00"),
    )
    password = make_password(None)
    people = User.objects.bulk_create(
        [User(email=f"{tag}-{i}@bench.example", password=password) for i in range(CAPACITY + waiting)],
        batch_size=2000,
    )
    bookings = Booking.objects.bulk_create(
        [
            Booking(
                client=u,
                class_session=session,
                status=BookingStatus.CONFIRMED,
                quantity=1,
                unit_price=Decimal("12.00"),
                total=Decimal("12.00"),
                currency="EUR",
            )
            for i, u in enumerate(people[:CAPACITY])
        ]
    )
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(session=session, client=u, party_size=1 + (i % 7 == 3))
            for i, u in enumerate(people[CAPACITY:])
        ],
        batch_size=2000,
    )
    return session, bookings


def _measure(bookings) -> tuple[float, float, int]:
    from bookings import services

    queue = list(bookings)

    def cancel_next() -> None:
        services.cancel_booking(booking=queue.pop(), actor=None, by_studio=True)

    for _ in range(WARMUP):
        cancel_next()
    queries = count_queries(cancel_next)
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        cancel_next()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2), round(percentile(samples, 95), 2), queries


def run(db) -> dict:
    from notifications import services as notification_services
    from waitlist.models import OfferState, WaitlistOffer

    notification_services._enqueue = lambda keys: None  # delivery after commit is not what is measured
    results = {}
    for waiting in (500, 5000):
        log(f"seeding a full class of {CAPACITY} with {waiting} waiting")
        session, bookings = _seed(waiting, f"w{waiting}")
        log(f"cancelling {WARMUP + 1 + REPEAT} bookings, one at a time")
        median, p95, queries = _measure(bookings)
        offered = WaitlistOffer.objects.filter(session=session, state=OfferState.OPEN).count()
        if offered != WARMUP + 1 + REPEAT:
            raise AssertionError(f"expected an offer per cancellation, got {offered}")
        results[waiting] = (median, p95, queries)
        log(f"{waiting} waiting: median {median} ms, p95 {p95} ms, {queries} queries")
    if results[500][2] != results[5000][2]:
        raise AssertionError(f"query count depends on the queue's length: {results[500][2]} vs {results[5000][2]}")
    return {
        "cancel_500_ms": results[500][0],
        "cancel_5000_ms": results[5000][0],
        "cancel_500_p95_ms": results[500][1],
        "cancel_5000_p95_ms": results[5000][1],
        "queries_500": results[500][2],
        "queries_5000": results[5000][2],
    }
