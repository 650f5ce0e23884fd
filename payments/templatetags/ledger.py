"""Money on pages that bookings renders (My bookings, the booking, the roster, the desk's day).

Bookings never imports payments (docs/architecture.md); its templates load this library,
so what a client owes is computed by the ledger's one rule (payments.balance) from the
booking's own counters, with no query per row.
"""

from __future__ import annotations

from decimal import Decimal

from django import template

from payments import services

register = template.Library()


@register.filter
def balance_due(booking) -> Decimal:
    """``{{ booking|balance_due }}``: what the client still owes (0.00 when nothing)."""
    annotated = getattr(booking, "balance_due", None)
    return annotated if isinstance(annotated, Decimal) else services.due(booking)
