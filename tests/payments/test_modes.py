"""payments.modes: what is paid online, for every mode, and the mode in force without keys."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.modes import amount_online, is_deposit
from schedules.models import ClassType, PaymentMode

D = Decimal


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (PaymentMode.FREE, "0.00"),
        (PaymentMode.AT_STUDIO, "0.00"),
        (PaymentMode.ONLINE, "36.00"),
        (PaymentMode.ONLINE_OR_STUDIO, "36.00"),
    ],
)
def test_it_pays_the_total_or_nothing(mode, expected):
    assert amount_online(mode=mode, total=D("36.00"), quantity=2) == D(expected)


def test_it_takes_a_percent_deposit_rounded_half_up():
    assert amount_online(mode=PaymentMode.DEPOSIT, total=D("25.05"), deposit_percent=10) == D("2.51")
    assert amount_online(mode=PaymentMode.DEPOSIT, total=D("18.00"), deposit_percent=100) == D("18.00")


def test_it_takes_a_fixed_deposit_per_spot_never_above_the_total():
    assert amount_online(mode=PaymentMode.DEPOSIT, total=D("40.00"), quantity=2, deposit_amount=D("5")) == D("10.00")
    assert amount_online(mode=PaymentMode.DEPOSIT, total=D("8.00"), quantity=1, deposit_amount=D("10")) == D("8.00")


def test_it_charges_nothing_online_for_a_free_booking():
    assert amount_online(mode=PaymentMode.ONLINE, total=D("0")) == D("0.00")


def test_it_refuses_a_deposit_without_terms():
    with pytest.raises(ValueError):
        amount_online(mode=PaymentMode.DEPOSIT, total=D("10"))
    with pytest.raises(ValueError):
        amount_online(mode=PaymentMode.DEPOSIT, total=D("10"), deposit_percent=0)


@given(
    total=st.decimals(min_value=0, max_value=10000, places=2),
    percent=st.integers(min_value=1, max_value=100),
    quantity=st.integers(min_value=1, max_value=6),
)
def test_a_deposit_is_never_more_than_the_total(total, percent, quantity):
    paid = amount_online(mode=PaymentMode.DEPOSIT, total=total, quantity=quantity, deposit_percent=percent)
    assert D(0) <= paid <= total
    assert paid == paid.quantize(D("0.01"))
    assert is_deposit(amount=paid, total=total) == (D(0) < paid < total)


def test_online_modes_are_paid_at_the_studio_without_keys(settings):
    kind = ClassType(payment_mode=PaymentMode.ONLINE)
    settings.STRIPE_SECRET_KEY = ""
    assert kind.mode_in_force == PaymentMode.AT_STUDIO
    assert not kind.pays_online_only
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_x", "whsec_x"
    assert kind.mode_in_force == PaymentMode.ONLINE
    assert kind.pays_online_only
    assert not ClassType(payment_mode=PaymentMode.ONLINE_OR_STUDIO).pays_online_only
