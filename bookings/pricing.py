"""Every price a client sees, computed from plain inputs: no ORM, no settings, no clock.

Why apart: the booking services, the booking page's summary and the receipt must agree to
the cent, and the rules (tax included or added, an early-bird price, a discount capped at
what is owed) are easiest to prove as properties of one pure function (tests/bookings/
test_pricing.py, with Hypothesis). Amounts are ``Decimal`` in the currency's major unit,
rounded half-up to the cent once per figure, never negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxRule:
    """A tax rate and whether the prices staff enter already include it (VAT in Europe does)."""

    percent: Decimal = ZERO
    inclusive: bool = True

    def __post_init__(self) -> None:
        if not ZERO <= self.percent <= HUNDRED:
            raise ValueError("a tax rate is between 0 and 100 percent")


NO_TAX = TaxRule()


@dataclass(frozen=True)
class EarlyBird:
    """A lower unit price until a moment, or until ``spots`` spots are sold, whichever ends first."""

    price: Decimal
    until: datetime | None = None
    spots: int | None = None

    def applies(self, *, at: datetime, sold: int) -> bool:
        if self.until is None and self.spots is None:
            return False
        if self.until is not None and at >= self.until:
            return False
        return self.spots is None or sold < self.spots


@dataclass(frozen=True)
class Discount:
    """Off the subtotal: a percentage or a fixed amount (one of them), never more than is owed."""

    percent: Decimal = ZERO
    amount: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.percent and self.amount:
            raise ValueError("a discount is a percentage or an amount, not both")
        if not ZERO <= self.percent <= HUNDRED or self.amount < 0:
            raise ValueError("a discount is between 0 and 100 percent, or a positive amount")

    def off(self, subtotal: Decimal) -> Decimal:
        wanted = cents(subtotal * self.percent / HUNDRED) if self.percent else cents(self.amount)
        return min(wanted, subtotal)


NO_DISCOUNT = Discount()


@dataclass(frozen=True)
class Quote:
    """What the booking snapshots: the unit price charged, the discount, the tax in the total, the total."""

    unit_price: Decimal
    quantity: int
    subtotal: Decimal  # unit price times quantity, before the discount (tax as the prices are entered)
    discount: Decimal
    net: Decimal  # the total without tax
    tax: Decimal
    total: Decimal
    tax_percent: Decimal
    early_bird: bool = False

    def snapshot(self) -> dict[str, Decimal]:
        """The booking's price fields (Booking.unit_price, discount, tax, total)."""
        return {"unit_price": self.unit_price, "discount": self.discount, "tax": self.tax, "total": self.total}


def unit_price(regular: Decimal, early_bird: EarlyBird | None, *, at: datetime, sold: int) -> tuple[Decimal, bool]:
    """The unit price at ``at`` with ``sold`` spots already taken: the early-bird price while it
    applies and is lower, the regular one otherwise. Returns (price, whether early bird)."""
    if early_bird is not None and early_bird.price < regular and early_bird.applies(at=at, sold=sold):
        return early_bird.price, True
    return regular, False


def quote(
    unit: Decimal,
    quantity: int,
    *,
    tax: TaxRule = NO_TAX,
    discount: Discount = NO_DISCOUNT,
    early_bird: bool = False,
) -> Quote:
    """Price ``quantity`` spots at ``unit`` each, less ``discount``, with ``tax`` included or added."""
    if quantity < 1:
        raise ValueError("a booking is for at least one spot")
    if unit < 0:
        raise ValueError("a price is never negative")
    subtotal = cents(unit * quantity)
    off = discount.off(subtotal)
    after = subtotal - off
    rate = tax.percent
    if tax.inclusive:
        total = after
        tax_amount = cents(after * rate / (HUNDRED + rate)) if rate else ZERO
        net = total - tax_amount
    else:
        net = after
        tax_amount = cents(after * rate / HUNDRED) if rate else ZERO
        total = net + tax_amount
    return Quote(
        unit_price=cents(unit),
        quantity=quantity,
        subtotal=subtotal,
        discount=off,
        net=net,
        tax=tax_amount,
        total=total,
        tax_percent=rate,
        early_bird=early_bird,
    )
