"""The ledger's services keep a booking's counters equal to its rows, and every movement is an event."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments import services
from payments.models import Method, Payment, PaymentStatus, Provider, RefundStatus
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db


def test_it_counts_a_desk_payment_as_paid_at_once(booking, desk):
    payment = pay(booking, "12.00", actor=desk, method=Method.CARD_TERMINAL)
    booking.refresh_from_db()
    assert (payment.status, payment.amount, payment.currency) == (PaymentStatus.SUCCEEDED, Decimal("12.00"), "EUR")
    assert payment.recorded_by == desk and payment.succeeded_at is not None
    assert booking.amount_paid == Decimal("12.00")
    event = booking.events.last()
    assert (event.reason, event.data["amount"], event.actor) == ("payment received", "12.00", desk)


def test_a_part_payment_leaves_the_rest_due(booking, desk):
    pay(booking, "5.00", actor=desk)
    booking.refresh_from_db()
    assert services.due(booking) == Decimal("7.00")


def test_the_desk_cannot_take_more_than_is_due(booking, desk):
    pay(booking, "10.00", actor=desk)
    with pytest.raises(services.PaymentError, match=r"more than the 2\.00 EUR due"):
        pay(booking, "2.01", actor=desk)
    booking.refresh_from_db()
    assert booking.amount_paid == Decimal("10.00") and booking.payments.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("abc", "amount such as"),
        ("1.001", "whole cents"),
        ("NaN", "amount such as"),
        ("Infinity", "amount such as"),
        ("1e12", "too large"),
    ],
)
def test_bad_amounts_are_refused_with_a_message(booking, desk, amount, message):
    with pytest.raises(services.PaymentError, match=message):
        pay(booking, amount, actor=desk)
    assert not booking.payments.exists()


def test_an_online_payment_is_pending_until_it_succeeds_once(booking):
    payment = services.record_payment(
        booking=booking,
        amount="12.00",
        method=Method.ONLINE_CARD,
        provider=Provider.STRIPE,
        checkout_session_id="cs_test_1",
        actor=None,
    )
    booking.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and booking.amount_paid == 0
    services.mark_payment_succeeded(payment=payment, actor=None)
    services.mark_payment_succeeded(payment=payment, actor=None)  # the webhook again: nothing more
    booking.refresh_from_db()
    assert booking.amount_paid == Decimal("12.00")
    assert [e.reason for e in booking.events.all()][-2:] == ["payment started", "payment received"]


def test_a_failed_payment_counts_nothing_and_a_succeeded_one_never_fails(booking):
    online = services.record_payment(booking=booking, amount="12.00", method=Method.ONLINE_CARD, actor=None)
    services.mark_payment_failed(payment=online, actor=None, reason="card declined")
    booking.refresh_from_db()
    assert booking.amount_paid == 0 and Payment.objects.get(pk=online.pk).status == PaymentStatus.FAILED
    with pytest.raises(services.PaymentError):
        services.mark_payment_succeeded(payment=online, actor=None)
    cash = pay(booking)
    with pytest.raises(services.PaymentError, match="refund"):
        services.mark_payment_failed(payment=cash, actor=None)


def test_a_refund_is_owed_until_paid_out_then_refunded(paid, desk):
    payment = paid.payments.get()
    refund = services.record_refund(payment=payment, amount="5.00", actor=desk, reason="goodwill")
    paid.refresh_from_db()
    assert (paid.amount_paid, paid.amount_refund_pending, paid.amount_refunded) == (
        Decimal("12.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    )
    assert paid.payment_state == "Refund owed"
    services.mark_refund_paid(refund=refund, actor=desk, method=Method.CASH)
    services.mark_refund_paid(refund=refund, actor=desk, method=Method.CASH)  # twice: once
    paid.refresh_from_db()
    refund.refresh_from_db()
    assert (paid.amount_refund_pending, paid.amount_refunded) == (Decimal("0.00"), Decimal("5.00"))
    assert (refund.status, refund.method, refund.paid_by) == (RefundStatus.SUCCEEDED, Method.CASH, desk)
    assert [e.reason for e in paid.events.all()][-2:] == ["refund owed", "refund paid"]


def test_a_failed_refund_is_no_longer_owed(paid, desk):
    refund = services.record_refund(payment=paid.payments.get(), amount="12.00", actor=desk, reason="cancelled")
    services.mark_refund_failed(refund=refund, actor=desk, reason="card expired")
    paid.refresh_from_db()
    assert (paid.amount_refund_pending, paid.amount_refunded) == (0, 0)
    with pytest.raises(services.PaymentError, match="failed"):
        services.mark_refund_paid(refund=refund, actor=desk, method=Method.CASH)
    services.record_refund(payment=paid.payments.get(), amount="12.00", actor=desk, reason="again")  # a new row


def test_a_refund_never_exceeds_what_the_payment_has_left(paid, desk):
    payment = paid.payments.get()
    services.record_refund(payment=payment, amount="10.00", actor=desk, reason="first")
    with pytest.raises(services.PaymentError, match=r"At most 2\.00 EUR"):
        services.record_refund(payment=payment, amount="2.01", actor=desk, reason="second")
    paid.refresh_from_db()
    assert paid.amount_refund_pending == Decimal("10.00") and paid.refunds.count() == 1


def test_staff_say_why_money_goes_back(paid, desk):
    with pytest.raises(services.PaymentError, match="why"):
        services.record_refund(payment=paid.payments.get(), amount="1.00", actor=desk, reason="  ")


def test_the_desk_pays_refunds_out_only_by_a_desk_method(paid, desk):
    refund = services.record_refund(payment=paid.payments.get(), amount="1.00", actor=desk, reason="x")
    with pytest.raises(services.PaymentError, match="cash, card terminal or bank transfer"):
        services.mark_refund_paid(refund=refund, actor=desk, method=Method.ONLINE_CARD)
