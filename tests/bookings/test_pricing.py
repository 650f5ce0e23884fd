"""The pure price module: properties over any input (Hypothesis) and the worked examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings import pricing
from bookings.pricing import Discount, EarlyBird, TaxRule, quote, unit_price

D = Decimal
prices = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=40, places=2, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
quantities = st.integers(min_value=1, max_value=20)
taxes = st.builds(TaxRule, percent=rates, inclusive=st.booleans())
discounts = st.one_of(
    st.just(pricing.NO_DISCOUNT),
    st.builds(Discount, percent=percents),
    st.builds(Discount, amount=st.decimals(min_value=0, max_value=10000, places=2)),
)


@given(prices, quantities, taxes, discounts)
def test_no_figure_is_ever_negative_and_the_total_is_net_plus_tax(unit, quantity, tax, discount):
    q = quote(unit, quantity, tax=tax, discount=discount)
    assert min(q.subtotal, q.discount, q.net, q.tax, q.total) >= 0
    assert q.total == q.net + q.tax
    assert q.subtotal == unit * quantity


@given(prices, quantities, taxes, discounts)
def test_the_discount_never_exceeds_the_subtotal(unit, quantity, tax, discount):
    q = quote(unit, quantity, tax=tax, discount=discount)
    assert q.discount <= q.subtotal


@given(prices, quantities, rates, discounts)
def test_included_tax_keeps_the_price_entered_and_added_tax_goes_on_top(unit, quantity, rate, discount):
    inclusive = quote(unit, quantity, tax=TaxRule(rate, inclusive=True), discount=discount)
    exclusive = quote(unit, quantity, tax=TaxRule(rate, inclusive=False), discount=discount)
    after_discount = inclusive.subtotal - inclusive.discount
    assert inclusive.total == after_discount  # the price the studio entered is what the client pays
    assert exclusive.net == after_discount  # ... or it is the net, and the tax comes on top
    assert exclusive.total >= inclusive.total
    # the tax is the rate of the net, to the cent (rounding moves it by at most half a cent)
    assert abs(inclusive.tax - inclusive.net * rate / 100) <= D("0.01")
    assert abs(exclusive.tax - exclusive.net * rate / 100) <= D("0.005")


@given(prices, quantities, taxes, percents, percents)
def test_a_bigger_discount_never_costs_more(unit, quantity, tax, a, b):
    small, big = sorted((a, b))
    assert (
        quote(unit, quantity, tax=tax, discount=Discount(percent=big)).total
        <= quote(unit, quantity, tax=tax, discount=Discount(percent=small)).total
    )


def test_the_worked_examples():
    vat = TaxRule(D("21"), inclusive=True)
    q = quote(D("12.00"), 2, tax=vat)
    assert (q.subtotal, q.tax, q.net, q.total) == (D("24.00"), D("4.17"), D("19.83"), D("24.00"))

    added = quote(D("12.00"), 2, tax=TaxRule(D("21"), inclusive=False))
    assert (added.net, added.tax, added.total) == (D("24.00"), D("5.04"), D("29.04"))

    ten_off = quote(D("12.00"), 2, tax=vat, discount=Discount(amount=D("10")))
    assert (ten_off.discount, ten_off.total, ten_off.tax) == (D("10.00"), D("14.00"), D("2.43"))
    assert quote(D("12.00"), 1, discount=Discount(amount=D("50"))).total == D("0.00")  # never below zero
    assert quote(D("12.00"), 1).snapshot() == {
        "unit_price": D("12.00"),
        "discount": D("0.00"),
        "tax": D("0.00"),
        "total": D("12.00"),
    }


NOON = datetime(2027, 3, 1, 12, tzinfo=UTC)


@given(st.integers(min_value=0, max_value=30), st.integers(min_value=1, max_value=30))
def test_an_early_bird_by_spots_covers_exactly_the_first_n(sold, spots):
    price, early = unit_price(D("20"), EarlyBird(price=D("15"), spots=spots), at=NOON, sold=sold)
    assert early == (sold < spots)
    assert price == (D("15") if early else D("20"))


def test_an_early_bird_by_date_ends_at_its_moment_and_whichever_limit_comes_first():
    bird = EarlyBird(price=D("15"), until=NOON)
    assert unit_price(D("20"), bird, at=NOON - timedelta(seconds=1), sold=100) == (D("15"), True)
    assert unit_price(D("20"), bird, at=NOON, sold=0) == (D("20"), False)
    both = EarlyBird(price=D("15"), until=NOON, spots=3)
    assert unit_price(D("20"), both, at=NOON - timedelta(days=1), sold=3) == (D("20"), False)
    assert unit_price(D("20"), both, at=NOON + timedelta(days=1), sold=0) == (D("20"), False)
    # an "early bird" dearer than the price is never charged, and one with no limit is none
    assert unit_price(D("20"), EarlyBird(price=D("25"), until=NOON), at=NOON - timedelta(days=1), sold=0)[0] == D("20")
    assert unit_price(D("20"), EarlyBird(price=D("15")), at=NOON, sold=0) == (D("20"), False)


@pytest.mark.parametrize(
    "make",
    [
        lambda: TaxRule(D("101")),
        lambda: TaxRule(D("-1")),
        lambda: Discount(percent=D("10"), amount=D("1")),
        lambda: Discount(amount=D("-1")),
        lambda: quote(D("-1"), 1),
        lambda: quote(D("1"), 0),
    ],
)
def test_impossible_inputs_are_refused(make):
    with pytest.raises(ValueError):
        make()
