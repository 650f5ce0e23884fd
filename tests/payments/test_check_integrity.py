"""manage.py check_integrity recomputes a booking's money counters from its payments and refunds."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bookings.models import Booking
from payments import services

pytestmark = pytest.mark.django_db


def test_it_passes_when_the_counters_match_the_ledger(paid, desk):
    refund = services.record_refund(payment=paid.payments.get(), amount="4.00", actor=desk, reason="x")
    services.mark_refund_paid(refund=refund, actor=desk, method="cash")
    services.record_refund(payment=paid.payments.get(), amount="3.00", actor=desk, reason="y")
    out = StringIO()
    call_command("check_integrity", stdout=out)
    assert "All booking money counters match their payments and refunds." in out.getvalue()


def test_it_reports_a_counter_edited_by_hand(paid):
    Booking.objects.filter(pk=paid.pk).update(amount_paid=Decimal("20.00"), amount_refund_pending=Decimal("1.00"))
    out = StringIO()
    with pytest.raises(CommandError, match="1 booking money counter"):
        call_command("check_integrity", stdout=out)
    assert (
        f"booking {paid.reference}: paid / refunded / owed says 20.00 / 0.00 / 1.00, "
        "payments and refunds hold 12.00 / 0.00 / 0.00"
    ) in out.getvalue()


def test_a_payment_the_counter_never_saw_is_drift(booking):
    Booking.objects.filter(pk=booking.pk).update(amount_paid=Decimal("12.00"))  # no payment row behind it
    with pytest.raises(CommandError, match="booking money counter"):
        call_command("check_integrity", stdout=StringIO())


def test_fix_sets_the_counters_to_what_the_rows_hold(paid):
    Booking.objects.filter(pk=paid.pk).update(amount_paid=Decimal("0.00"))
    with pytest.raises(CommandError):
        call_command("check_integrity", "--fix", stdout=StringIO())
    paid.refresh_from_db()
    assert paid.amount_paid == Decimal("12.00")
    call_command("check_integrity", stdout=StringIO())
