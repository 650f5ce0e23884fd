"""What the database itself refuses, whatever code writes: invariant 6 and the ledger's facts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Booking
from payments import services
from payments.models import Payment, Refund
from tests.bookings.conftest import upcoming_class

pytestmark = pytest.mark.django_db


def _refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_the_booking_refuses_refunds_above_what_was_paid(paid):
    _refused(lambda: Booking.objects.filter(pk=paid.pk).update(amount_refund_pending=Decimal("12.01")))
    _refused(lambda: Booking.objects.filter(pk=paid.pk).update(amount_refunded=Decimal("12.01")))
    _refused(
        lambda: Booking.objects.filter(pk=paid.pk).update(
            amount_refunded=Decimal("6.01"), amount_refund_pending=Decimal("6.00")
        )
    )
    Booking.objects.filter(pk=paid.pk).update(amount_refunded=Decimal("6.00"), amount_refund_pending=Decimal("6.00"))


def test_the_booking_refuses_negative_money(booking):
    for field in ("amount_paid", "amount_refunded", "amount_refund_pending"):
        _refused(lambda field=field: Booking.objects.filter(pk=booking.pk).update(**{field: Decimal("-1")}))


def test_the_ledger_refuses_zero_and_negative_amounts(paid):
    payment = paid.payments.get()
    for amount in ("0", "-1.00"):
        _refused(
            lambda amount=amount: Payment.objects.create(
                booking=paid, amount=Decimal(amount), currency="EUR", method="cash"
            )
        )
        _refused(
            lambda amount=amount: Refund.objects.create(
                payment=payment, booking=paid, amount=Decimal(amount), currency="EUR"
            )
        )


postgres = pytest.mark.postgres


@postgres
def test_a_succeeded_payment_is_never_edited_nor_any_payment_deleted(paid, booking):
    assert connection.vendor == "postgresql"
    payment = paid.payments.get()
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(amount=Decimal("1.00")))
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(currency="USD"))
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(status="failed"))
    other = services.record_payment(booking=upcoming_booking(paid.client), amount="1", method="online_card", actor=None)
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(booking=other.booking))
    _refused(lambda: Payment.objects.filter(pk=payment.pk).delete())
    _refused(lambda: Payment.objects.filter(pk=other.pk).delete())  # pending: not deleted either
    Payment.objects.filter(pk=other.pk).update(amount=Decimal("2.00"))  # a pending attempt may still change
    Payment.objects.filter(pk=payment.pk).update(note="receipt 17")  # a note is not money
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("12.00")


@postgres
def test_a_paid_refund_is_never_edited_nor_any_refund_deleted(paid, desk):
    refund = services.record_refund(payment=paid.payments.get(), amount="5.00", actor=desk, reason="x")
    _refused(lambda: Refund.objects.filter(pk=refund.pk).delete())
    services.mark_refund_paid(refund=refund, actor=desk, method="cash")
    _refused(lambda: Refund.objects.filter(pk=refund.pk).update(amount=Decimal("4.00")))
    _refused(lambda: Refund.objects.filter(pk=refund.pk).update(status="failed"))
    _refused(lambda: Refund.objects.filter(pk=refund.pk).delete())


@postgres
def test_a_refund_s_booking_is_its_payment_s_booking(paid):
    stranger = upcoming_booking(paid.client)
    _refused(
        lambda: Refund.objects.create(
            payment=paid.payments.get(), booking=stranger, amount=Decimal("1.00"), currency="EUR"
        )
    )


def upcoming_booking(client) -> Booking:
    from bookings import services as booking_services

    return booking_services.book_class(client=client, session_id=upcoming_class(days=5).pk, quantity=1)
