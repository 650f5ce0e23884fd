"""How much a booking pays online: a pure rule over its price snapshot and its payment mode.

No ORM inside, so every mode and rounding can be tested with plain values; the mode comes
from the class or therapy type (``schedules.PaymentTerms.mode_in_force``, which already
turns every online mode into "at the studio" when Stripe is not configured).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from schedules.models import PaymentMode

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ONLINE_MODES = frozenset({PaymentMode.ONLINE, PaymentMode.ONLINE_OR_STUDIO, PaymentMode.DEPOSIT})


def amount_online(
    *,
    mode: str,
    total: Decimal,
    quantity: int = 1,
    deposit_percent: int | None = None,
    deposit_amount: Decimal | None = None,
) -> Decimal:
    """What the client pays online when booking: the total, a deposit, or nothing.

    A percent deposit is that share of the total, rounded half up to the cent; a fixed
    deposit is per spot and never more than the total. A free booking pays nothing online.
    """
    if total < 0 or quantity < 1:
        raise ValueError("a price snapshot has a total >= 0 and at least one spot")
    if mode not in ONLINE_MODES or total == 0:
        return ZERO
    if mode != PaymentMode.DEPOSIT:
        return total.quantize(CENT)
    if deposit_percent is not None:
        if not 0 < deposit_percent <= 100:
            raise ValueError("a deposit percent is between 1 and 100")
        return (total * Decimal(deposit_percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if deposit_amount is None or deposit_amount <= 0:
        raise ValueError("a deposit needs a percent or a positive fixed amount")
    return min(deposit_amount * quantity, total).quantize(CENT)


def is_deposit(*, amount: Decimal, total: Decimal) -> bool:
    """Whether what is paid online leaves a rest due at the studio."""
    return ZERO < amount < total
