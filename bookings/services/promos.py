"""Redeeming a promo code inside a booking's transaction.

The code's row is locked (after the client's row: the lock order in core) before its uses
are counted, so its limits hold when many clients book with it at once; the use is written
in the same transaction as the booking, and a failed booking leaves no use behind.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking, BookingStatus, PromoCode, PromoRedemption
from bookings.pricing import Discount
from bookings.promo_rules import PromoTerms, Use, refusal
from bookings.services.core import BookingError
from config import race

NOT_BOOKINGS = (BookingStatus.CANCELLED, BookingStatus.DECLINED, BookingStatus.EXPIRED)


def redeem(
    code: str,
    *,
    client: User,
    at: datetime,
    class_type_id: int | None = None,
    therapy_type_id: int | None = None,
) -> tuple[PromoCode, Discount]:
    """The code and its discount for this booking; BookingError with the reason if it cannot be used."""
    rows = PromoCode.objects.filter(code__iexact=code.strip())
    if race.locking("promo"):
        rows = rows.select_for_update()
    promo = rows.first()
    if promo is None:
        raise BookingError(_("There is no such promo code."))
    terms = PromoTerms(
        percent_off=promo.percent_off,
        amount_off=promo.amount_off,
        valid_from=promo.valid_from,
        valid_until=promo.valid_until,
        max_uses=promo.max_uses,
        max_uses_per_client=promo.max_uses_per_client,
        first_booking_only=promo.first_booking_only,
        is_active=promo.is_active,
        class_type_ids=frozenset(promo.class_types.values_list("pk", flat=True)),
        therapy_type_ids=frozenset(promo.therapy_types.values_list("pk", flat=True)),
    )
    uses = list(promo.redemptions.values_list("client_id", flat=True))
    race.pause("promo-count")
    why = refusal(
        terms,
        Use(
            at=at,
            uses=len(uses),
            client_uses=uses.count(client.pk),
            has_booked_before=Booking.objects.filter(client=client).exclude(status__in=NOT_BOOKINGS).exists(),
            class_type_id=class_type_id,
            therapy_type_id=therapy_type_id,
        ),
    )
    if why:
        raise BookingError(str(why))
    return promo, terms.discount


def record_use(promo: PromoCode, booking: Booking, discount: Decimal) -> PromoRedemption:
    return PromoRedemption.objects.create(promo=promo, client=booking.client, booking=booking, discount=discount)
