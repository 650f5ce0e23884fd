"""Booking a pay-online class: a hold, a pending payment and Stripe's Checkout page (payments.checkout)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from payments.models import Payment, PaymentStatus, Provider
from schedules.models import ClassSession, PaymentMode
from tests.bookings.conftest import upcoming_class
from tests.payments.stripe_fakes import (
    SECRET_KEY,
    SESSIONS,
    answer_checkout,
    checkout_url,
    form,
)

pytestmark = pytest.mark.django_db


def priced(mode: str, *, capacity: int = 5, **terms) -> ClassSession:
    session = upcoming_class(capacity=capacity, price="12.00")
    kind = session.class_type
    kind.payment_mode = mode
    for name, value in terms.items():
        setattr(kind, name, value)
    kind.save()
    return session


@pytest.fixture
def online_class():
    return priced(PaymentMode.ONLINE)


def book(web, session, *, quantity: int = 1, token: str = "attempt-1", pay: str = "online"):
    return web.post(
        reverse("bookings:book_class", args=[session.pk]),
        {"quantity": quantity, "note": "knee", "token": token, "pay": pay},
    )


@pytest.fixture
def web(client, client_user):
    client.force_login(client_user)
    return client


def test_it_holds_the_spots_and_sends_the_client_to_stripe(stripe_keys, stripe_http, web, client_user, online_class):
    answer_checkout(stripe_http, "cs_test_1")

    response = book(web, online_class, quantity=2)

    assert response.status_code == 302 and response["Location"] == checkout_url("cs_test_1")
    booking = Booking.objects.get(client=client_user)
    now = timezone.now()
    assert booking.status == BookingStatus.PENDING and booking.note == "knee"
    assert now + timedelta(minutes=14) < booking.hold_until <= now + timedelta(minutes=15)
    assert ClassSession.objects.get(pk=online_class.pk).spots_taken == 2
    payment = Payment.objects.get(booking=booking)
    assert (payment.status, payment.provider, payment.amount) == (
        PaymentStatus.PENDING,
        Provider.STRIPE,
        Decimal("24.00"),
    )
    assert payment.checkout_session_id == "cs_test_1" and payment.checkout_url == checkout_url("cs_test_1")
    assert booking.amount_paid == 0  # pending money counts for nothing

    (call,) = stripe_http.calls
    assert call.request.method == "POST" and call.request.url == SESSIONS
    assert call.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert call.request.headers["Idempotency-Key"] == f"shala-checkout-{booking.reference}-{payment.pk}"
    body = form(call)
    assert body["mode"] == "payment"
    assert body["line_items[0][quantity]"] == "2"
    assert body["line_items[0][price_data][currency]"] == "eur"
    assert body["line_items[0][price_data][unit_amount]"] == "1200"
    assert body["line_items[0][price_data][product_data][name]"] == booking.title
    assert body["customer_email"] == client_user.email
    assert body["client_reference_id"] == booking.reference
    assert body["metadata[booking]"] == booking.reference and body["metadata[payment]"] == str(payment.pk)
    assert body["payment_intent_data[metadata][booking]"] == booking.reference
    assert body["success_url"] == (
        f"http://testserver/payments/return/{booking.reference}/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert body["cancel_url"] == f"http://testserver/payments/cancelled/{booking.reference}/"
    # Stripe refuses less than 30 minutes: the page outlives the 15-minute hold, which closes it.
    assert int(body["expires_at"]) >= int((now + timedelta(minutes=30)).timestamp())


def test_the_same_form_twice_holds_once_and_asks_stripe_once(stripe_keys, stripe_http, web, client_user, online_class):
    answer_checkout(stripe_http, "cs_test_1")

    first, second = book(web, online_class), book(web, online_class)

    assert first["Location"] == second["Location"] == checkout_url("cs_test_1")
    assert Booking.objects.filter(client=client_user).count() == 1
    assert len(stripe_http.calls) == 1
    assert ClassSession.objects.get(pk=online_class.pk).spots_taken == 1


def test_a_deposit_is_one_line_of_its_own(stripe_keys, stripe_http, web, client_user):
    session = priced(PaymentMode.DEPOSIT, deposit_percent=25)
    answer_checkout(stripe_http)

    book(web, session, quantity=2)

    booking = Booking.objects.get(client=client_user)
    assert Payment.objects.get(booking=booking).amount == Decimal("6.00")
    body = form(stripe_http.calls[0])
    assert body["line_items[0][quantity]"] == "1"
    assert body["line_items[0][price_data][unit_amount]"] == "600"
    assert body["line_items[0][price_data][product_data][name]"] == f"Deposit: {booking.title}"


def test_online_or_at_the_studio_is_the_clients_choice(stripe_keys, stripe_http, web, client_user):
    session = priced(PaymentMode.ONLINE_OR_STUDIO)

    response = book(web, session, pay="studio")

    booking = Booking.objects.get(client=client_user)
    assert response["Location"] == booking.get_absolute_url()
    assert booking.status == BookingStatus.CONFIRMED and not booking.payments.exists()
    assert len(stripe_http.calls) == 0


def test_without_keys_everything_is_paid_at_the_studio(settings, stripe_http, web, client_user, online_class):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""

    page = web.get(reverse("schedules:session", args=[online_class.pk]))
    book(web, online_class)

    assert "pay online" not in page.content.decode().lower()
    booking = Booking.objects.get(client=client_user)
    assert booking.status == BookingStatus.CONFIRMED and not booking.payments.exists()
    assert len(stripe_http.calls) == 0


def test_the_class_page_offers_to_pay_online(stripe_keys, web, online_class):
    page = web.get(reverse("schedules:session", args=[online_class.pk]))

    assert 'name="pay" value="online"' in page.content.decode()


def test_when_stripe_is_down_nothing_is_kept(stripe_keys, stripe_http, web, client_user, online_class):
    answer_checkout(stripe_http, status=500)

    response = book(web, online_class)

    assert response["Location"] == reverse("schedules:session", args=[online_class.pk])
    booking = Booking.objects.get(client=client_user)
    assert booking.status == BookingStatus.CANCELLED
    assert Payment.objects.get(booking=booking).status == PaymentStatus.FAILED
    assert ClassSession.objects.get(pk=online_class.pk).spots_taken == 0


def test_a_client_cannot_book_a_pay_online_class_without_paying(stripe_keys, client_user, online_class):
    with pytest.raises(booking_services.BookingError, match="paid online"):
        booking_services.book_class(client=client_user, session_id=online_class.pk, quantity=1)


def test_the_desk_may_still_book_it_for_a_client(stripe_keys, client_user, online_class):
    from tests.factories import staff_with

    desk = staff_with("bookings.add_booking", "bookings.change_booking")
    booking = booking_services.book_class(client=client_user, session_id=online_class.pk, quantity=1, booked_by=desk)

    assert booking.status == BookingStatus.CONFIRMED
