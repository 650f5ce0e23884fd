"""Cancelling gives back what the policy says as a refund owed in the ledger, in the same transaction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings import services as booking_services
from payments import services
from payments.models import Method, Refund, RefundStatus
from schedules import services as schedule_services
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db


def test_an_early_cancellation_owes_back_everything_paid(paid, session):
    booking_services.cancel_booking(booking=paid, actor=paid.client, now=session.starts_at - timedelta(hours=48))
    paid.refresh_from_db()
    refund = Refund.objects.get(booking=paid)
    assert (refund.amount, refund.status, refund.payment) == (
        Decimal("12.00"),
        RefundStatus.PENDING,
        paid.payments.get(),
    )
    assert (paid.amount_refund_pending, paid.amount_refunded) == (Decimal("12.00"), Decimal("0.00"))
    assert paid.events.filter(reason="refund owed").count() == 1


def test_a_late_cancellation_owes_back_the_tier_s_share(paid, session):
    booking_services.cancel_booking(booking=paid, actor=None, now=session.starts_at - timedelta(hours=13))
    paid.refresh_from_db()
    assert paid.amount_refund_pending == Decimal("6.00")


def test_nothing_is_owed_when_nothing_was_paid(booking, session):
    booking_services.cancel_booking(booking=booking, actor=None, now=session.starts_at - timedelta(hours=48))
    booking.refresh_from_db()
    assert not Refund.objects.exists() and booking.amount_refund_pending == 0


def test_the_refund_is_capped_at_what_was_paid_and_spread_over_the_payments(booking, session):
    pay(booking, "4.00")
    pay(booking, "3.00", method=Method.CARD_TERMINAL)
    booking_services.cancel_booking(booking=booking, actor=None, now=session.starts_at - timedelta(hours=48))
    booking.refresh_from_db()
    assert booking.amount_refund_pending == Decimal("7.00")  # 12.00 by policy, 7.00 paid
    assert sorted(Refund.objects.values_list("payment__amount", "amount")) == [
        (Decimal("3.00"), Decimal("3.00")),
        (Decimal("4.00"), Decimal("4.00")),
    ]


def test_what_was_already_refunded_is_not_owed_twice(paid, desk, session):
    services.record_refund(payment=paid.payments.get(), amount="5.00", actor=desk, reason="goodwill")
    booking_services.cancel_booking(booking=paid, actor=None, now=session.starts_at - timedelta(hours=48))
    paid.refresh_from_db()
    assert paid.amount_refund_pending == Decimal("12.00")  # 5.00 goodwill + 7.00 left by the policy
    assert sum(r.amount for r in Refund.objects.all()) == Decimal("12.00")


def test_a_studio_cancellation_owes_back_everything(paid, session):
    schedule_services.cancel_class_session(session=session, reason="Teacher ill")
    paid.refresh_from_db()
    assert paid.status == "cancelled" and paid.amount_refund_pending == paid.amount_paid


def test_the_client_sees_the_refund_owed_on_their_booking(client, paid, session):
    booking_services.cancel_booking(booking=paid, actor=paid.client, now=session.starts_at - timedelta(hours=48))
    client.force_login(paid.client)
    page = client.get(paid.get_absolute_url()).content.decode()
    assert 'data-testid="refund-owed">12.00 EUR' in page and "Refund owed" in page
