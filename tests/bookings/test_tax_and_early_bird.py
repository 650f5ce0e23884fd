"""Tax rates and early-bird prices as bookings snapshot them (the pure rules: test_pricing.py)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from bookings.prices import forget_tax_rules
from schedules.models import ClassSession, TaxRate
from schedules.services import generate_sessions
from tests.bookings.conftest import at, upcoming_class
from tests.factories import ClassScheduleFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def figures(booking: Booking) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return booking.unit_price, booking.discount, booking.tax, booking.total


def test_a_class_type_with_tax_added_on_top_charges_price_plus_tax(client_user):
    session = upcoming_class(price="12.00")
    session.class_type.tax_rate = TaxRate.objects.create(name="IVA", percent=D("21"), inclusive=False)
    session.class_type.save()

    booking = services.book_class(client=client_user, session_id=session.pk, quantity=2)

    assert figures(booking) == (D("12.00"), D("0.00"), D("5.04"), D("29.04"))


def test_the_studio_default_rate_applies_to_types_that_name_none(client_user, settings, massage, therapist):
    settings.PRICES_INCLUDE_TAX_PERCENT = 0
    TaxRate.objects.create(name="IVA", percent=D("21"), inclusive=True, is_default=True)
    session = upcoming_class(price="12.10")

    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    therapy = services.book_therapy(
        client=client_user, therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(10)
    )

    assert figures(booking) == (D("12.10"), D("0.00"), D("2.10"), D("12.10"))
    assert figures(therapy) == (D("60.00"), D("0.00"), D("10.41"), D("60.00"))


def test_with_no_rate_rows_the_setting_still_gives_the_included_tax(client_user, settings):
    settings.PRICES_INCLUDE_TAX_PERCENT = 10
    forget_tax_rules()  # the setting is read when the rules are loaded
    booking = services.book_class(client=client_user, session_id=upcoming_class(price="11.00").pk, quantity=1)
    assert figures(booking) == (D("11.00"), D("0.00"), D("1.00"), D("11.00"))


def test_a_changed_rate_applies_to_the_next_booking_not_the_cached_one(client_user, other_client):
    rate = TaxRate.objects.create(name="IVA", percent=D("21"), inclusive=False, is_default=True)
    first = services.book_class(client=client_user, session_id=upcoming_class(price="10.00").pk, quantity=1)
    rate.percent = D("10")
    rate.save()

    second = services.book_class(client=other_client, session_id=upcoming_class(price="10.00").pk, quantity=1)

    assert (first.total, second.total) == (D("12.10"), D("11.00"))
    first.refresh_from_db()
    assert first.total == D("12.10")  # a booking keeps the price it was made at


def test_an_early_bird_until_a_moment_prices_the_booking_before_it_and_not_after(
    client_user, other_client, time_machine
):
    now = timezone.now()
    session = upcoming_class(price="20.00", days=10)
    ClassSession.objects.filter(pk=session.pk).update(
        early_bird_price=D("15.00"), early_bird_until=now + timedelta(days=2)
    )
    time_machine.move_to(now, tick=False)
    early = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    time_machine.move_to(now + timedelta(days=2), tick=False)
    late = services.book_class(client=other_client, session_id=session.pk, quantity=1)

    assert (early.unit_price, late.unit_price) == (D("15.00"), D("20.00"))


def test_an_early_bird_for_the_first_spots_ends_when_they_are_sold(client_user, other_client):
    session = upcoming_class(price="20.00")
    ClassSession.objects.filter(pk=session.pk).update(early_bird_price=D("15.00"), early_bird_spots=2)

    party = services.book_class(client=client_user, session_id=session.pk, quantity=2)
    after = services.book_class(client=other_client, session_id=session.pk, quantity=1)

    assert (party.total, after.total) == (D("30.00"), D("20.00"))


def test_a_schedule_early_bird_becomes_each_sessions_own_days_before_its_start():
    schedule = ClassScheduleFactory(
        early_bird_price=D("9.00"), early_bird_days=7, early_bird_spots=5, valid_from=timezone.localdate()
    )
    generate_sessions(schedule=schedule, until=timezone.localdate() + timedelta(days=21))

    sessions = list(ClassSession.objects.filter(schedule=schedule))
    assert sessions
    for s in sessions:
        assert (s.early_bird_price, s.early_bird_spots) == (D("9.00"), 5)
        assert s.early_bird_until == s.starts_at - timedelta(days=7)


# --- the last early-bird spot, taken twice at once ---------------------------------------------------


def _book_together(session_id: int, clients: list) -> list[Booking]:
    barrier = threading.Barrier(len(clients))
    booked: list[Booking] = []
    errors: list[Exception] = []

    def attempt(client) -> None:
        try:
            barrier.wait()
            booked.append(services.book_class(client=client, session_id=session_id, quantity=1))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return booked


def _race_for_the_last_early_bird_spot(settings) -> list[Decimal]:
    settings.SHALA_RACE_PAUSES = {"booking-claim": 0.3}
    session = upcoming_class(price="20.00")
    ClassSession.objects.filter(pk=session.pk).update(early_bird_price=D("15.00"), early_bird_spots=1)
    booked = _book_together(session.pk, [UserFactory(), UserFactory()])
    return sorted(b.unit_price for b in booked)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_bookers_of_the_last_early_bird_spot_at_once_one_gets_it(settings):
    assert _race_for_the_last_early_bird_spot(settings) == [D("15.00"), D("20.00")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_session_lock_both_get_the_early_bird(settings):
    settings.SHALA_RACE_UNGUARDED = {"early-bird"}
    assert _race_for_the_last_early_bird_spot(settings) == [D("15.00"), D("15.00")]
