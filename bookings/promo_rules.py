"""Whether a promo code may be used for a booking: a pure function of plain facts.

Apart from the ORM so each rule is tested alone; bookings.services.promos gathers the
facts (under the code's row lock) and asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from bookings.pricing import Discount

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class PromoTerms:
    percent_off: Decimal | None
    amount_off: Decimal | None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_uses: int | None = None
    max_uses_per_client: int | None = None
    first_booking_only: bool = False
    is_active: bool = True
    class_type_ids: frozenset[int] = frozenset()
    therapy_type_ids: frozenset[int] = frozenset()

    @property
    def discount(self) -> Discount:
        if self.percent_off is not None:
            return Discount(percent=self.percent_off)
        return Discount(amount=self.amount_off or Decimal("0"))


@dataclass(frozen=True)
class Use:
    """What is being booked, when, and how the code and the client have used codes so far."""

    at: datetime
    uses: int
    client_uses: int
    has_booked_before: bool
    class_type_id: int | None = None
    therapy_type_id: int | None = None


def refusal(terms: PromoTerms, use: Use) -> StrOrPromise | None:
    """Why the code cannot be used (the message the client reads), or None if it can."""
    if not terms.is_active or (terms.valid_from is not None and use.at < terms.valid_from):
        return _("This code is not valid yet.") if terms.is_active else _("This code is no longer valid.")
    if terms.valid_until is not None and use.at >= terms.valid_until:
        return _("This code is no longer valid.")
    if terms.class_type_ids or terms.therapy_type_ids:
        allowed = (use.class_type_id is not None and use.class_type_id in terms.class_type_ids) or (
            use.therapy_type_id is not None and use.therapy_type_id in terms.therapy_type_ids
        )
        if not allowed:
            return _("This code is not valid for this booking.")
    if terms.first_booking_only and use.has_booked_before:
        return _("This code is for a first booking only.")
    if terms.max_uses_per_client is not None and use.client_uses >= terms.max_uses_per_client:
        return _("You have already used this code.")
    if terms.max_uses is not None and use.uses >= terms.max_uses:
        return _("This code has been used up.")
    return None
