"""Stripe's webhook: signed, stored once, idempotent and order-independent (payments.webhooks)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from payments import checkout, signals
from payments.holds import expire_payment_holds
from payments.models import Payment, PaymentStatus, ProviderEvent, Refund, RefundStatus
from schedules.models import ClassSession, PaymentMode
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory
from tests.payments.stripe_fakes import (
    REFUNDS,
    SESSIONS,
    answer_checkout,
    answer_expire,
    answer_refund,
    calls_to,
    deliver,
    event,
    form,
    session_obj,
    signed,
)

pytestmark = pytest.mark.django_db


def online_class(capacity: int = 5) -> ClassSession:
    session = upcoming_class(capacity=capacity, price="12.00")
    session.class_type.payment_mode = PaymentMode.ONLINE
    session.class_type.save()
    return session


def hold(client, session, mock, *, session_id: str = "cs_test_1", key: str = "attempt-1") -> Payment:
    answer_checkout(mock, session_id)
    started = checkout.book_class_online(
        client=client,
        session_id=session.pk,
        quantity=1,
        note="",
        attempt_key=key,
        urls=checkout.ReturnUrls(base="http://testserver/"),
    )
    assert started.payment is not None
    return Payment.objects.get(pk=started.payment.pk)


@pytest.fixture
def held(stripe_keys, stripe_http, client_user):
    return hold(client_user, online_class(), stripe_http)


def snapshot(booking: Booking) -> tuple:
    booking.refresh_from_db()
    return (
        booking.status,
        booking.amount_paid,
        booking.amount_refunded,
        booking.amount_refund_pending,
        booking.events.count(),
        list(booking.payments.values_list("status", flat=True)),
    )


def test_a_completed_checkout_confirms_the_booking_and_counts_the_money(client, held):
    response = deliver(client, event("checkout.session.completed", session_obj(held)))

    assert response.status_code == 200
    held.refresh_from_db()
    booking = held.booking
    booking.refresh_from_db()
    assert held.status == PaymentStatus.SUCCEEDED and held.payment_intent_id == "pi_test_1"
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_until is None
    assert booking.amount_paid == Decimal("12.00")
    assert ProviderEvent.objects.count() == 1 and ProviderEvent.objects.get().processed_at


def test_the_same_event_twice_changes_nothing(client, held):
    ev = event("checkout.session.completed", session_obj(held))
    deliver(client, ev)
    before = snapshot(held.booking)

    again = deliver(client, ev)

    assert again.status_code == 200
    assert snapshot(held.booking) == before
    assert ProviderEvent.objects.count() == 1


@pytest.mark.parametrize("signature", ["", "t=1,v1=deadbeef", "garbage"])
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(client, held, signature):
    before = snapshot(held.booking)

    response = deliver(client, event("checkout.session.completed", session_obj(held)), signature=signature)

    assert response.status_code == 400
    assert snapshot(held.booking) == before and not ProviderEvent.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(client, held):
    ev = event("checkout.session.completed", session_obj(held))

    response = deliver(client, ev, signature=signed(json.dumps(ev), secret="whsec_someone_else"))

    assert response.status_code == 400 and held.booking.payments.get().status == PaymentStatus.PENDING


def test_an_old_signature_is_refused(client, held):
    ev = event("checkout.session.completed", session_obj(held))
    stale = int(timezone.now().timestamp()) - 3600

    assert deliver(client, ev, signature=signed(json.dumps(ev), at=stale)).status_code == 400


def test_an_unknown_event_is_stored_and_ignored(client, held):
    before = snapshot(held.booking)

    response = deliver(client, event("customer.created", {"id": "cus_1", "object": "customer"}))

    assert response.status_code == 200
    assert snapshot(held.booking) == before and ProviderEvent.objects.get().type == "customer.created"


def test_the_webhook_is_off_without_keys(client, held, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    assert deliver(client, event("checkout.session.completed", session_obj(held))).status_code == 404


def test_async_success_before_completed_confirms_once(client, held):
    deliver(client, event("checkout.session.async_payment_succeeded", session_obj(held)))
    after_first = snapshot(held.booking)
    deliver(client, event("checkout.session.completed", session_obj(held)))

    assert snapshot(held.booking) == after_first
    assert after_first[:2] == (BookingStatus.CONFIRMED, Decimal("12.00"))


def test_an_async_method_waits_for_its_own_event(client, held):
    deliver(client, event("checkout.session.completed", session_obj(held, paid=False)))

    held.refresh_from_db()
    assert held.status == PaymentStatus.PENDING and held.payment_intent_id == "pi_test_1"
    assert held.booking.status == BookingStatus.PENDING


def test_expired_after_completed_changes_nothing(client, held):
    deliver(client, event("checkout.session.completed", session_obj(held)))
    before = snapshot(held.booking)

    deliver(client, event("checkout.session.expired", session_obj(held, paid=False)))

    assert snapshot(held.booking) == before


def test_a_failed_payment_keeps_the_hold_and_offers_pay_now(client, client_user, held, stripe_http):
    told = []
    signals.payment_failed.connect(lambda sender, **kw: told.append(kw["reason"]), weak=False, dispatch_uid="t")
    try:
        deliver(client, event("checkout.session.async_payment_failed", session_obj(held)))
    finally:
        signals.payment_failed.disconnect(dispatch_uid="t")

    held.refresh_from_db()
    assert held.status == PaymentStatus.FAILED and told == ["payment failed"]
    assert held.booking.status == BookingStatus.PENDING
    client.force_login(client_user)
    page = client.get(reverse("bookings:mine")).content.decode()
    assert 'data-testid="pay-now"' in page

    answer_checkout(stripe_http, "cs_test_2")
    response = client.post(reverse("payments:pay_now", args=[held.booking.reference]))

    assert response["Location"].endswith("cs_test_2")
    second = held.booking.payments.get(status=PaymentStatus.PENDING)
    assert calls_to(stripe_http, SESSIONS)[-1].request.headers["Idempotency-Key"] == (
        f"shala-checkout-{held.booking.reference}-{second.pk}"
    )


def test_a_client_can_never_see_or_pay_another_clients_booking(client, held):
    stranger = UserFactory()
    client.force_login(stranger)
    reference = held.booking.reference

    assert client.get(reverse("payments:return", args=[reference])).status_code == 404
    assert client.post(reverse("payments:pay_now", args=[reference])).status_code == 404
    assert client.get(reverse("payments:cancelled", args=[reference])).status_code == 404


def test_the_return_page_waits_for_the_webhook(client, client_user, held):
    client.force_login(client_user)
    url = reverse("payments:return", args=[held.booking.reference])

    waiting = client.get(url)

    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert "Payment received, confirming" in html and 'http-equiv="refresh"' in html
    assert Booking.objects.get(pk=held.booking_id).status == BookingStatus.PENDING  # it confirmed nothing

    deliver(client, event("checkout.session.completed", session_obj(held)))
    done = client.get(url)

    assert done.status_code == 302 and done["Location"] == held.booking.get_absolute_url()


def test_an_unpaid_hold_expires_and_its_checkout_page_is_closed(
    held, stripe_http, time_machine, django_capture_on_commit_callbacks
):
    answer_expire(stripe_http, "cs_test_1")
    time_machine.move_to(timezone.now() + timedelta(minutes=16))

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_payment_holds() == 1

    booking = Booking.objects.get(pk=held.booking_id)
    assert booking.status == BookingStatus.EXPIRED
    assert ClassSession.objects.get(pk=booking.class_session_id).spots_taken == 0
    (call,) = calls_to(stripe_http, f"{SESSIONS}/cs_test_1/expire")
    assert call.request.method == "POST"
    assert expire_payment_holds() == 0


def test_bookings_own_hold_sweep_closes_the_checkout_page_too(
    held, stripe_http, time_machine, django_capture_on_commit_callbacks
):
    answer_expire(stripe_http, "cs_test_1")
    time_machine.move_to(timezone.now() + timedelta(minutes=15) + booking_services.OWNER_GRACE + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert booking_services.expire_holds() == 1

    assert len(calls_to(stripe_http, f"{SESSIONS}/cs_test_1/expire")) == 1


def test_a_late_payment_books_the_spot_when_it_is_still_free(client, held, stripe_http, time_machine):
    answer_expire(stripe_http, "cs_test_1")
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    expire_payment_holds()

    deliver(client, event("checkout.session.completed", session_obj(held)))

    booking = Booking.objects.get(pk=held.booking_id)
    assert booking.status == BookingStatus.CONFIRMED and booking.amount_paid == Decimal("12.00")
    assert ClassSession.objects.get(pk=booking.class_session_id).spots_taken == 1
    assert not calls_to(stripe_http, REFUNDS)


def test_a_late_payment_whose_spot_is_gone_is_refunded_at_once(
    client, stripe_keys, stripe_http, client_user, time_machine, django_capture_on_commit_callbacks
):
    session = online_class(capacity=1)
    late = hold(client_user, session, stripe_http)
    answer_expire(stripe_http, "cs_test_1")
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    expire_payment_holds()
    hold(UserFactory(), session, stripe_http, session_id="cs_test_2", key="someone-else")  # the freed spot goes
    answer_refund(stripe_http, "re_test_1")
    told = []
    signals.late_payment_refunded.connect(
        lambda sender, **kw: told.append(kw["refund"].pk), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, event("checkout.session.completed", session_obj(late)))
    finally:
        signals.late_payment_refunded.disconnect(dispatch_uid="t")

    booking = Booking.objects.get(pk=late.booking_id)
    assert booking.status == BookingStatus.EXPIRED
    assert (booking.amount_paid, booking.amount_refund_pending) == (Decimal("12.00"), Decimal("12.00"))
    refund = Refund.objects.get(booking=booking)
    assert told == [refund.pk] and refund.status == RefundStatus.PENDING and refund.provider_refund_id == "re_test_1"
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 1  # never an oversell
    (call,) = calls_to(stripe_http, REFUNDS)
    assert call.request.headers["Idempotency-Key"] == f"shala-refund-{refund.pk}"
    assert form(call) == {
        "payment_intent": "pi_test_1",
        "amount": "1200",
        "metadata[refund]": str(refund.pk),
        "metadata[booking]": booking.reference,
    }

    deliver(client, event("refund.updated", {"id": "re_test_1", "object": "refund", "status": "succeeded"}))

    booking.refresh_from_db()
    assert (booking.amount_refunded, booking.amount_refund_pending) == (Decimal("12.00"), Decimal("0.00"))


def test_cancelling_a_paid_online_booking_refunds_through_stripe(
    client, client_user, held, stripe_http, django_capture_on_commit_callbacks
):
    deliver(client, event("checkout.session.completed", session_obj(held)))
    answer_refund(stripe_http, "re_test_9")
    booking = Booking.objects.get(pk=held.booking_id)

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=booking, actor=client_user)

    booking.refresh_from_db()
    refund = Refund.objects.get(booking=booking)
    assert refund.status == RefundStatus.PENDING and refund.provider_refund_id == "re_test_9"
    assert booking.amount_refund_pending == refund.amount > 0
    (call,) = calls_to(stripe_http, REFUNDS)
    assert call.request.headers["Idempotency-Key"] == f"shala-refund-{refund.pk}"
    assert form(call)["amount"] == str(int(refund.amount * 100))
    paid_back = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_test_1",
        "refunds": {"object": "list", "data": [{"id": "re_test_9", "object": "refund", "status": "succeeded"}]},
    }

    deliver(client, event("charge.refunded", paid_back))
    deliver(client, event("refund.updated", {"id": "re_test_9", "object": "refund", "status": "succeeded"}))

    booking.refresh_from_db()
    assert booking.amount_refunded == refund.amount and booking.amount_refund_pending == 0
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.SUCCEEDED


def test_a_refund_webhook_before_stripe_answered_our_call_is_matched_by_its_metadata(client, held):
    deliver(client, event("checkout.session.completed", session_obj(held)))
    refund = Refund.objects.create(payment=held, booking=held.booking, amount=Decimal("5.00"), currency="EUR")
    Booking.objects.filter(pk=held.booking_id).update(amount_refund_pending=Decimal("5.00"))

    deliver(
        client,
        event(
            "refund.updated",
            {"id": "re_x", "object": "refund", "status": "failed", "metadata": {"refund": str(refund.pk)}},
        ),
    )

    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert Booking.objects.get(pk=held.booking_id).amount_refund_pending == 0


def test_a_dispute_flags_the_booking_for_staff(client, held):
    deliver(client, event("checkout.session.completed", session_obj(held)))

    deliver(client, event("charge.dispute.created", {"id": "dp_1", "object": "dispute", "payment_intent": "pi_test_1"}))

    held.refresh_from_db()
    assert held.disputed_at is not None
    assert held.booking.events.filter(reason="payment disputed").count() == 1


def test_staff_cannot_pay_out_by_hand_a_refund_stripe_pays(
    client, held, stripe_http, django_capture_on_commit_callbacks
):
    from payments.services import PaymentError, mark_refund_paid, record_refund
    from tests.factories import staff_with

    deliver(client, event("checkout.session.completed", session_obj(held)))
    answer_refund(stripe_http, "re_desk")
    owner = staff_with("payments.add_refund", "payments.change_refund")
    with django_capture_on_commit_callbacks(execute=True):
        refund = record_refund(payment=held, amount="4.00", actor=owner, reason="goodwill")

    assert Refund.objects.get(pk=refund.pk).provider_refund_id == "re_desk"
    assert form(calls_to(stripe_http, REFUNDS)[0])["amount"] == "400"
    with pytest.raises(PaymentError, match="Stripe pays"):
        mark_refund_paid(refund=refund, actor=owner, method="cash")


def test_staff_find_disputed_bookings_with_the_money_filter(client, held):
    from tests.factories import staff_with

    deliver(client, event("checkout.session.completed", session_obj(held)))
    deliver(client, event("charge.dispute.created", {"id": "dp_2", "object": "dispute", "payment_intent": "pi_test_1"}))
    client.force_login(staff_with("bookings.view_booking"))

    page = client.get(reverse("admin:bookings_booking_changelist"), {"money": "disputed"})

    assert page.status_code == 200 and held.booking.reference in page.content.decode()
