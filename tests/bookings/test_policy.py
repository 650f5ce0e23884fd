"""Refund tiers and fees (bookings.policy): pure, at the edges."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.policy import PolicyTerms, Tier, cancellation_outcome, full_refund

START = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
TERMS = PolicyTerms(
    tiers=(Tier(Decimal("24"), Decimal("100")), Tier(Decimal("12"), Decimal("50"))),
    late_cancel_fee=Decimal("5.00"),
)


def outcome(hours_before, paid="20.00", total="20.00", **kw):
    return cancellation_outcome(
        TERMS,
        paid=Decimal(paid),
        total=Decimal(total),
        now=START - timedelta(hours=hours_before),
        starts_at=START,
        **kw,
    )


@pytest.mark.parametrize(
    ("hours", "percent", "refund", "fee"),
    [
        (48, 100, "20.00", "0.00"),
        (24, 100, "20.00", "0.00"),  # exactly at the threshold: the tier applies
        (24 - 1 / 3600, 50, "10.00", "5.00"),  # one second short
        (12, 50, "10.00", "5.00"),
        (12 - 1 / 3600, 0, "0.00", "5.00"),
        (0.5, 0, "0.00", "5.00"),
    ],
)
def test_the_tier_is_chosen_by_hours_before_the_start(hours, percent, refund, fee):
    result = outcome(hours)
    assert (result.refund_percent, result.refund, result.fee) == (Decimal(percent), Decimal(refund), Decimal(fee))


def test_the_refund_never_exceeds_what_was_paid():
    assert outcome(48, paid="8.00", total="20.00").refund == Decimal("8.00")
    assert outcome(48, paid="0", total="20.00").refund == Decimal("0.00")


def test_a_waived_fee_is_zero():
    assert outcome(1, waive_fee=True).fee == Decimal("0.00")


def test_no_tiers_means_no_refund():
    result = cancellation_outcome(
        PolicyTerms(tiers=()), paid=Decimal("10"), total=Decimal("10"), now=START - timedelta(days=9), starts_at=START
    )
    assert result.refund == Decimal("0.00") and result.is_late


def test_a_studio_cancellation_refunds_everything():
    assert full_refund(paid=Decimal("17.50")).refund == Decimal("17.50")


@given(
    paid=st.decimals(0, 1000, places=2),
    total=st.decimals(0, 1000, places=2),
    hours=st.floats(-5, 500, allow_nan=False),
)
def test_refund_is_between_zero_and_paid_and_fee_only_when_late(paid, total, hours):
    result = outcome(hours, paid=str(paid), total=str(total))
    assert Decimal("0") <= result.refund <= paid
    assert (result.fee > 0) == result.is_late
