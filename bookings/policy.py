"""Cancellation outcomes: refund tiers and fees. Pure, Decimal money, no ORM.

A policy is a list of tiers "cancelled at least H hours before the start gets P %
back", plus a late-cancel fee charged when no tier with a full refund applies, and a
no-show fee. The refund never exceeds what was paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from config.money import format_money

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Tier:
    min_hours_before: Decimal
    refund_percent: Decimal


@dataclass(frozen=True)
class PolicyTerms:
    tiers: tuple[Tier, ...]
    late_cancel_fee: Decimal = Decimal("0")
    no_show_fee: Decimal = Decimal("0")


@dataclass(frozen=True)
class CancellationOutcome:
    refund_percent: Decimal
    refund: Decimal
    fee: Decimal
    hours_before: Decimal
    is_late: bool  # cancelled too late for a full refund


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def hours_between(now: datetime, start: datetime) -> Decimal:
    return Decimal((start - now).total_seconds()) / Decimal(3600)


def refund_percent(terms: PolicyTerms, hours_before: Decimal) -> Decimal:
    """The best tier whose threshold is met; a threshold is inclusive (24 h before = the 24 h tier)."""
    eligible = [t.refund_percent for t in terms.tiers if hours_before >= t.min_hours_before]
    return max(eligible, default=Decimal("0"))


def cancellation_outcome(
    terms: PolicyTerms, *, paid: Decimal, total: Decimal, now: datetime, starts_at: datetime, waive_fee: bool = False
) -> CancellationOutcome:
    """What a client gets back, and owes, for cancelling at ``now``.

    The refund is the tier's share of the price, capped at what was paid. A fee
    applies only when the cancellation is late (less than a full refund).
    """
    hours = hours_between(now, starts_at)
    percent = min(refund_percent(terms, hours), Decimal("100"))
    refund = min(_money(total * percent / 100), _money(paid))
    late = percent < 100
    fee = Decimal("0.00") if waive_fee or not late else _money(terms.late_cancel_fee)
    return CancellationOutcome(
        refund_percent=percent,
        refund=max(refund, Decimal("0.00")),
        fee=fee,
        hours_before=hours.quantize(Decimal("0.1")),
        is_late=late,
    )


def full_refund(*, paid: Decimal) -> CancellationOutcome:
    """The studio cancelled: everything paid comes back, no fee."""
    return CancellationOutcome(
        refund_percent=Decimal("100"),
        refund=_money(paid),
        fee=Decimal("0.00"),
        hours_before=Decimal("0"),
        is_late=False,
    )


def _number(value: Decimal) -> str:
    """12.0 -> "12", 1.5 -> "1.5": hours and percents as people write them."""
    text = f"{value.normalize():f}"
    return text


def describe(terms: PolicyTerms, *, currency: str) -> str:
    """The policy in one sentence, every band included, below the last tier too.

    "24 h or more before: 100 %; 12 h or more before: 50 %; less than 12 h before: no
    refund." A client should not have to guess what happens under the last tier.
    """
    tiers = sorted(terms.tiers, key=lambda t: t.min_hours_before, reverse=True)
    bands = [
        _("%(h)s h or more before: %(p)s %%") % {"h": _number(t.min_hours_before), "p": _number(t.refund_percent)}
        for t in tiers
    ]
    if not tiers:
        bands.append(_("no refund"))
    elif tiers[-1].min_hours_before > 0:
        bands.append(_("less than %(h)s h before: no refund") % {"h": _number(tiers[-1].min_hours_before)})
    text = "; ".join(bands) + "."
    if terms.late_cancel_fee:
        fee = format_money(_money(terms.late_cancel_fee), currency)
        text += " " + _("A late-cancellation fee of %(fee)s applies whenever less than 100 %% is refunded.") % {
            "fee": fee,
        }
    return text
