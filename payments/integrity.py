"""A booking's money counters recomputed from its ledger rows (registered with check_integrity)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from bookings.integrity import Drift, IntegrityCheck
from bookings.models import Booking
from payments.models import Payment, PaymentStatus, Refund, RefundStatus

MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class MoneyDrift:
    booking_id: int
    reference: str
    counters: tuple[Decimal, Decimal, Decimal]  # paid, refunded, owed: as the booking says
    rows: tuple[Decimal, Decimal, Decimal]  # the same, summed from payments and refunds

    def describe(self) -> str:
        said = " / ".join(f"{v:.2f}" for v in self.counters)
        held = " / ".join(f"{v:.2f}" for v in self.rows)
        return f"booking {self.reference}: paid / refunded / owed says {said}, payments and refunds hold {held}"


def _sum(model, **filters) -> Coalesce:
    rows = (
        model.objects.filter(booking=OuterRef("pk"), **filters)
        .order_by()
        .values("booking")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(Decimal("0")), output_field=MONEY)


def money_drift() -> list[MoneyDrift]:
    """Bookings whose paid, refunded or owed counter differs from the sum of its rows (one query)."""
    rows = (
        Booking.objects.annotate(
            rows_paid=_sum(Payment, status=PaymentStatus.SUCCEEDED),
            rows_refunded=_sum(Refund, status=RefundStatus.SUCCEEDED),
            rows_pending=_sum(Refund, status=RefundStatus.PENDING),
        )
        .filter(
            ~Q(amount_paid=F("rows_paid"))
            | ~Q(amount_refunded=F("rows_refunded"))
            | ~Q(amount_refund_pending=F("rows_pending"))
        )
        .order_by("pk")
        .values_list(
            "pk",
            "reference",
            "amount_paid",
            "amount_refunded",
            "amount_refund_pending",
            "rows_paid",
            "rows_refunded",
            "rows_pending",
        )
    )
    return [MoneyDrift(r[0], r[1], (r[2], r[3], r[4]), (r[5], r[6], r[7])) for r in rows]


@transaction.atomic
def repair_money(drift: Sequence[Drift]) -> None:
    """Set drifted counters to what the rows hold (after a manual database edit)."""
    for row in drift:
        assert isinstance(row, MoneyDrift)
        paid, refunded, pending = row.rows
        Booking.objects.filter(pk=row.booking_id).update(
            amount_paid=paid, amount_refunded=refunded, amount_refund_pending=pending
        )


MONEY_CHECK = IntegrityCheck(
    label="booking money counter", source="payments and refunds", find=money_drift, repair=repair_money
)
