"""What a receipt says: the studio, the items of a booking, its money rows and its balance.

One builder for the receipt page and the receipt e-mail, so the two never disagree. The
page reads the rows now; the e-mail keeps (in its outbox row) what they were when the
payment went through, because a receipt is a document of that moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from bookings.models import Booking
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from payments.services import due

SHOWN_PAYMENTS = (PaymentStatus.SUCCEEDED, PaymentStatus.PENDING)
SHOWN_REFUNDS = (RefundStatus.SUCCEEDED, RefundStatus.PENDING)


@dataclass(frozen=True)
class Studio:
    name: str
    address_lines: list[str]
    tax_id: str

    def as_dict(self) -> dict:
        return {"name": self.name, "address_lines": self.address_lines, "tax_id": self.tax_id}


def studio() -> Studio:
    """The studio's details from settings (STUDIO_NAME, STUDIO_ADDRESS, STUDIO_TAX_ID)."""
    lines = [line.strip() for line in re.split(r"\\n|\n|\|", settings.STUDIO_ADDRESS) if line.strip()]
    return Studio(name=settings.STUDIO_NAME, address_lines=lines, tax_id=settings.STUDIO_TAX_ID.strip())


def items(booking: Booking) -> list[dict]:
    """The booking's line: what, when, how many, at what price (the price snapshot taken when booked)."""
    return [
        {
            "title": booking.title,
            "starts_at": booking.start.isoformat(),
            "quantity": booking.quantity,
            "unit_price": str(booking.unit_price),
            "amount": str(subtotal(booking)),
        }
    ]


def subtotal(booking: Booking) -> Decimal:
    """The line's amount as the prices are entered: spots times the unit price, before discount and added tax."""
    return booking.unit_price * booking.quantity


def receipt_number(payment: Payment) -> str:
    """The payment's own reference on a receipt: the booking's, and the ledger row's number."""
    return f"{payment.booking.reference}-{payment.pk}"


@dataclass
class Receipt:
    booking: Booking
    studio: Studio
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return subtotal(self.booking)

    @property
    def balance_due(self) -> Decimal:
        return due(self.booking)

    @property
    def kept(self) -> Decimal:
        """Paid, less refunded and refunds still owed: what the studio keeps today."""
        b = self.booking
        return b.amount_paid - b.amount_refunded - b.amount_refund_pending


def receipt(booking: Booking) -> Receipt:
    """The receipt of one booking as it stands now (two queries: its payments and refunds)."""
    return Receipt(
        booking=booking,
        studio=studio(),
        payments=list(booking.payments.filter(status__in=SHOWN_PAYMENTS).order_by("created_at", "pk")),
        refunds=list(booking.refunds.filter(status__in=SHOWN_REFUNDS).order_by("created_at", "pk")),
    )
