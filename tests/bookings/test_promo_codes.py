"""Promo codes: the rules (pure), redeeming one when booking, its limits under simultaneous bookings."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingEvent, PromoCode, PromoRedemption
from bookings.promo_rules import PromoTerms, Use, refusal
from tests.bookings.conftest import upcoming_class
from tests.factories import ClassTypeFactory, UserFactory

D = Decimal
NOON = datetime(2027, 3, 1, 12, tzinfo=UTC)


# --- the rules ---------------------------------------------------------------------------------------


def use(**kw) -> Use:
    return Use(**{"at": NOON, "uses": 0, "client_uses": 0, "has_booked_before": False, "class_type_id": 1} | kw)


@pytest.mark.parametrize(
    ("terms", "facts", "why"),
    [
        ({}, {}, None),
        ({"is_active": False}, {}, "This code is no longer valid."),
        ({"valid_from": NOON + timedelta(days=1)}, {}, "This code is not valid yet."),
        ({"valid_until": NOON}, {}, "This code is no longer valid."),
        ({"valid_until": NOON + timedelta(seconds=1)}, {}, None),
        ({"class_type_ids": frozenset({2})}, {}, "This code is not valid for this booking."),
        ({"class_type_ids": frozenset({1})}, {}, None),
        ({"therapy_type_ids": frozenset({1})}, {}, "This code is not valid for this booking."),
        ({"therapy_type_ids": frozenset({7})}, {"class_type_id": None, "therapy_type_id": 7}, None),
        ({"first_booking_only": True}, {"has_booked_before": True}, "This code is for a first booking only."),
        ({"max_uses_per_client": 1}, {"client_uses": 1}, "You have already used this code."),
        ({"max_uses_per_client": 2}, {"client_uses": 1}, None),
        ({"max_uses": 5}, {"uses": 5}, "This code has been used up."),
        ({"max_uses": 5}, {"uses": 4}, None),
    ],
)
def test_each_rule_refuses_with_its_own_message(terms, facts, why):
    got = refusal(PromoTerms(percent_off=D("10"), amount_off=None, **terms), use(**facts))
    assert (str(got) if got else None) == why


# --- booking with a code --------------------------------------------------------------------------------


def code(**kw) -> PromoCode:
    return PromoCode.objects.create(**{"code": "SPRING10", "percent_off": D("10")} | kw)


@pytest.mark.django_db
def test_a_code_takes_its_discount_off_and_records_the_use(client_user):
    promo = code()
    session = upcoming_class(price="20.00")

    booking = services.book_class(client=client_user, session_id=session.pk, quantity=2, promo_code=" spring10 ")

    assert (booking.unit_price, booking.discount, booking.total) == (D("20.00"), D("4.00"), D("36.00"))
    redemption = PromoRedemption.objects.get()
    assert (redemption.promo, redemption.booking, redemption.client, redemption.discount) == (
        promo,
        booking,
        client_user,
        D("4.00"),
    )
    assert BookingEvent.objects.get(booking=booking).data["promo_code"] == "SPRING10"


@pytest.mark.django_db
def test_a_fixed_amount_is_never_more_than_the_price(client_user):
    code(percent_off=None, amount_off=D("50.00"))
    booking = services.book_class(
        client=client_user, session_id=upcoming_class(price="20.00").pk, quantity=1, promo_code="SPRING10"
    )
    assert (booking.discount, booking.total) == (D("20.00"), D("0.00"))


def _expired(client):
    code(valid_until=timezone.now() - timedelta(days=1))


def _for_another_class_type(client):
    code().class_types.set([ClassTypeFactory()])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda client: None, "There is no such promo code."),
        (_expired, "This code is no longer valid."),
        (_for_another_class_type, "This code is not valid for this booking."),
    ],
)
def test_a_code_that_cannot_be_used_books_nothing_and_says_why(client_user, setup, message):
    setup(client_user)
    session = upcoming_class()

    with pytest.raises(services.BookingError, match=re.escape(message)):
        services.book_class(client=client_user, session_id=session.pk, quantity=1, promo_code="SPRING10")

    session.refresh_from_db()
    assert (Booking.objects.count(), PromoRedemption.objects.count(), session.spots_taken) == (0, 0, 0)


@pytest.mark.django_db
def test_a_client_uses_a_code_only_as_often_as_it_allows(client_user):
    code(max_uses_per_client=1)
    services.book_class(client=client_user, session_id=upcoming_class().pk, quantity=1, promo_code="SPRING10")
    with pytest.raises(services.BookingError, match=re.escape("You have already used this code.")):
        services.book_class(client=client_user, session_id=upcoming_class().pk, quantity=1, promo_code="SPRING10")


@pytest.mark.django_db
def test_a_first_booking_code_is_refused_to_a_client_who_has_booked(client_user, other_client):
    code(first_booking_only=True, max_uses_per_client=None)
    services.book_class(client=client_user, session_id=upcoming_class().pk, quantity=1)

    with pytest.raises(services.BookingError, match="first booking only"):
        services.book_class(client=client_user, session_id=upcoming_class().pk, quantity=1, promo_code="SPRING10")
    first = services.book_class(client=other_client, session_id=upcoming_class().pk, quantity=1, promo_code="SPRING10")
    assert first.discount == D("1.20")


@pytest.mark.django_db
def test_the_page_books_with_a_code_and_shows_a_bad_one_as_a_message(client, client_user):
    code()
    session = upcoming_class(price="20.00")
    client.force_login(client_user)
    url = reverse("bookings:book_class", args=[session.pk])

    bad = client.post(url, {"quantity": 1, "token": "t1", "promo_code": "NOPE"}, follow=True)
    assert bad.status_code == 200
    assert "There is no such promo code." in bad.content.decode()
    assert not Booking.objects.exists()

    good = client.post(url, {"quantity": 1, "token": "t2", "promo_code": "spring10"}, follow=True)
    page = good.content.decode()
    assert Booking.objects.get().total == D("18.00")
    assert "2,00" in page or "2.00" in page  # the discount line on the booking page


# --- the limit under simultaneous bookings -----------------------------------------------------------------


def _race_for_the_last_use(settings) -> tuple[int, list[str]]:
    settings.SHALA_RACE_PAUSES = {"promo-count": 0.3}
    code(max_uses=1, max_uses_per_client=None)
    session = upcoming_class()
    clients = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(len(clients))
    refused: list[str] = []
    errors: list[Exception] = []

    def attempt(client) -> None:
        try:
            barrier.wait()
            services.book_class(client=client, session_id=session.pk, quantity=1, promo_code="SPRING10")
        except services.BookingError as exc:
            refused.append(str(exc))
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
    return PromoRedemption.objects.count(), refused


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clients_racing_for_a_codes_last_use_one_gets_it(settings):
    assert _race_for_the_last_use(settings) == (1, ["This code has been used up."])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_codes_row_lock_the_limit_is_overrun(settings):
    settings.SHALA_RACE_UNGUARDED = {"promo"}
    assert _race_for_the_last_use(settings) == (2, [])
