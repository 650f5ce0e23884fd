"""Section "payments": Stripe webhook events through the real endpoint, in process, on PostgreSQL.

Seeds ``EVENTS`` bookings held for an online payment (one class, each a pending booking
with a pending Stripe payment), then POSTs one signed ``checkout.session.completed`` per
payment to ``/payments/stripe/webhook/`` through Django's test client: the real stripe
library verifies each signature, the event is stored once, the payment counted and the
hold confirmed. Then every event is delivered a second time, as Stripe does on a retry.

``events_per_s``: first deliveries a second (the whole request, commit included);
``duplicates_per_s``: second deliveries a second; ``duplicate_count``: money counted
twice or events stored twice after both rounds (must be 0). Delivery of the outbox after
commit is switched off (the notifications section measures it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from decimal import Decimal

from tests.bench.measure import log

EVENTS = 300
SECRET = "whsec_bench"


def _seed(count: int) -> list[int]:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, BookingStatus
    from payments.models import Method, Payment, Provider
    from schedules.models import ClassSession, ClassType, Location, Practitioner, Room

    location = Location.objects.create(slug="bench-pay", name="Bench studio")
    room = Room.objects.create(location=location, name="Hall", capacity=count)
    user = User.objects.create(email="teacher@pay.bench.example", password=make_password(None))
    teacher = Practitioner.objects.create(user=user, slug="bench-pay", public_name="Bench", is_instructor=True)
    kind = ClassType.objects.create(slug="bench-pay", title="Bench pay", capacity=count, price=Decimal("12.00"))
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    session = ClassSession.objects.create(
        class_type=kind,
        location=location,
        room=room,
        instructor=teacher,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=count,
        spots_taken=count,
        price=Decimal("12.00"),
    )
    password = make_password(None)
    people = User.objects.bulk_create(
        [User(email=f"pay-{i}@bench.example", password=password) for i in range(count)], batch_size=2000
    )
    held_until = timezone.now() + timedelta(minutes=15)
    bookings = Booking.objects.bulk_create(
        [
            Booking(
                client=u,
                class_session=session,
                status=BookingStatus.PENDING,
                hold_until=held_until,
                quantity=1,
                unit_price=Decimal("12.00"),
                total=Decimal("12.00"),
                currency="EUR",
            )
            for u in people
        ]
    )
    payments = Payment.objects.bulk_create(
        [
            Payment(
                booking=b,
                amount=Decimal("12.00"),
                currency="EUR",
                method=Method.ONLINE_CARD,
                provider=Provider.STRIPE,
                checkout_session_id=f"cs_bench_{b.pk}",
            )
            for b in bookings
        ]
    )
    return [p.pk for p in payments]


def _event(payment_id: int) -> str:
    return json.dumps(
        {
            "id": f"evt_bench_{payment_id}",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": f"cs_bench_{payment_id}",
                    "object": "checkout.session",
                    "payment_status": "paid",
                    "payment_intent": f"pi_bench_{payment_id}",
                    "metadata": {"payment": str(payment_id)},
                }
            },
        }
    )


def _deliver(web, payloads: list[str]) -> float:
    """POST each payload signed; returns events a second."""
    start = time.perf_counter()
    for payload in payloads:
        stamp = int(time.time())
        mac = hmac.new(SECRET.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
        response = web.post(
            "/payments/stripe/webhook/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=f"t={stamp},v1={mac}",
        )
        if response.status_code != 200:
            raise AssertionError(f"webhook answered {response.status_code}")
    return round(len(payloads) / (time.perf_counter() - start), 1)


def run(db) -> dict:
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from bookings.models import Booking, BookingStatus
    from notifications import services as notification_services
    from payments.models import PaymentStatus, ProviderEvent

    notification_services._enqueue = lambda keys: None  # delivery after commit is not what is measured
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_bench", SECRET
    log(f"seeding {EVENTS} bookings held for an online payment")
    payloads = [_event(pk) for pk in _seed(EVENTS)]
    web = Client()
    log(f"delivering {EVENTS} signed events, then each again")
    first = _deliver(web, payloads)
    again = _deliver(web, payloads)
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED, amount_paid=Decimal("12.00")).count()
    counted_twice = Booking.objects.filter(amount_paid__gt=Decimal("12.00")).count()
    stored_twice = ProviderEvent.objects.values("event_id").annotate(n=Count("pk")).filter(n__gt=1).count() + max(
        ProviderEvent.objects.count() - EVENTS, 0
    )
    if confirmed != EVENTS:
        raise AssertionError(f"expected {EVENTS} paid and confirmed bookings, got {confirmed}")
    from payments.models import Payment

    if Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() != EVENTS:
        raise AssertionError("not every payment succeeded")
    log(f"{first} events/s first time, {again} events/s again; counted twice {counted_twice}")
    return {
        "events": EVENTS,
        "events_per_s": first,
        "duplicates_per_s": again,
        "duplicate_count": counted_twice + stored_twice,
    }
