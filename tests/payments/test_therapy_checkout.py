"""Firm therapy time of a pay-online type: held while the client pays, confirmed by the webhook."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from payments.models import Payment, PaymentStatus
from schedules.models import Occupancy, PaymentMode
from tests.bookings.conftest import at, massage, other_therapist, therapist, therapy_room, therapy_studio  # noqa: F401
from tests.payments.stripe_fakes import SESSIONS, answer_checkout, checkout_url, deliver, event, form, session_obj

pytestmark = pytest.mark.django_db


@pytest.fixture
def online_massage(massage):  # noqa: F811
    massage.payment_mode = PaymentMode.ONLINE
    massage.save()
    return massage


def post_booking(web, therapist, *, token: str = "t-1"):  # noqa: F811
    return web.post(
        reverse("bookings:book_therapy", args=["massage"]),
        {"start": at(10).isoformat(), "minutes": 60, "therapist": therapist.pk, "token": token},
    )


def test_firm_time_is_held_and_paid_on_stripe(stripe_keys, stripe_http, client, client_user, online_massage, therapist):  # noqa: F811
    answer_checkout(stripe_http, "cs_massage")
    client.force_login(client_user)

    response = post_booking(client, therapist)

    assert response.status_code == 302 and response["Location"] == checkout_url("cs_massage")
    booking = Booking.objects.get(client=client_user)
    assert booking.status == BookingStatus.PENDING and booking.hold_until is not None
    assert Occupancy.objects.filter(practitioner=therapist, is_tentative=False).count() == 1
    payment = Payment.objects.get(booking=booking)
    assert payment.amount == Decimal("60.00") and payment.status == PaymentStatus.PENDING
    (call,) = stripe_http.calls
    assert call.request.url == SESSIONS
    assert form(call)["line_items[0][price_data][unit_amount]"] == "6000"
    assert form(call)["client_reference_id"] == booking.reference

    assert post_booking(client, therapist)["Location"] == checkout_url("cs_massage")  # the same form again
    assert len(stripe_http.calls) == 1

    deliver(client, event("checkout.session.completed", session_obj(payment)))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.amount_paid == Decimal("60.00")


def test_without_keys_the_time_is_booked_at_once(settings, stripe_http, client, client_user, online_massage, therapist):  # noqa: F811
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(client_user)

    post_booking(client, therapist)

    assert Booking.objects.get(client=client_user).status == BookingStatus.CONFIRMED
    assert len(stripe_http.calls) == 0


def test_an_approved_request_is_held_and_the_client_gets_a_payment_link(
    stripe_keys,
    stripe_http,
    client,
    client_user,
    online_massage,
    therapist,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    from bookings import services as booking_services
    from notifications.models import Notification
    from schedules.models import ApprovalMode
    from tests.bookings.conftest import set_approval

    set_approval(therapist, ApprovalMode.REQUEST)
    settings.SITE_URL = "https://studio.example"
    request = booking_services.book_therapy(
        client=client_user, therapy_type=online_massage, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    assert request.status == BookingStatus.REQUESTED and not request.payments.exists()  # charged once approved
    answer_checkout(stripe_http, "cs_link")

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.approve_request(booking=request, actor=therapist.user)

    booking = Booking.objects.get(pk=request.pk)
    assert booking.status == BookingStatus.PENDING and booking.hold_until is not None
    assert Occupancy.objects.get(pk=booking.occupancy_id).is_tentative is False
    payment = Payment.objects.get(booking=booking)
    assert payment.checkout_session_id == "cs_link"
    assert form(stripe_http.calls[0])["success_url"].startswith(
        f"https://studio.example/payments/return/{booking.reference}/"
    )
    links = Notification.objects.filter(recipient=client_user, kind="payment_link")  # one per channel
    assert links.exists() and {n.context["pay_url"] for n in links} == {checkout_url("cs_link")}
    assert not Notification.objects.filter(recipient=client_user, kind="booking_confirmed").exists()

    deliver(client, event("checkout.session.completed", session_obj(payment)))

    assert Booking.objects.get(pk=request.pk).status == BookingStatus.CONFIRMED
