"""Reads about money shared by the admin and (later) the client's pages."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, F, QuerySet, Value, When
from django.db.models.functions import Greatest

from bookings.models import Booking
from payments.balance import OWES_FEE_ONLY

MONEY = DecimalField(max_digits=12, decimal_places=2)


def with_balance(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate ``balance_due``: payments.balance.balance_due in SQL, for listing and filtering."""
    kept = F("amount_paid") - F("amount_refunded") - F("amount_refund_pending")
    owed = Case(
        When(status__in=[str(s) for s in OWES_FEE_ONLY], then=F("fee_charged")), default=F("total"), output_field=MONEY
    )
    return bookings.annotate(balance_due=Greatest(owed - kept, Value(Decimal("0.00")), output_field=MONEY))
