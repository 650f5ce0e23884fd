"""The ORM side of pricing: which tax rule and early bird apply, handed to bookings.pricing.

The tax rates (a handful of rows a studio changes once a year) are cached as one entry
under a version token, like the policies (bookings.policy_cache): a booking reads its
type's rate from the cache, not the database, so pricing adds no statement to the
booking's transaction. Saves and deletes of TaxRate, ClassType and TherapyType renew the
token (BookingsConfig.ready).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from bookings import pricing
from schedules.cache import VersionToken
from schedules.models import ClassSession, ClassType, TaxRate, TherapyType

TAX_VERSION = VersionToken("bookings:tax:version")
TIMEOUT = 600  # a safety net for a write that sends no signal


@dataclass(frozen=True)
class TaxRules:
    """The studio default and the rule of each class and therapy type that names its own rate."""

    default: pricing.TaxRule
    by_class_type: dict[int, pricing.TaxRule] = field(default_factory=dict)
    by_therapy_type: dict[int, pricing.TaxRule] = field(default_factory=dict)


def _load() -> TaxRules:
    """Three queries, on a cache miss only."""
    by_id = {
        row.pk: (row.is_default, pricing.TaxRule(percent=row.percent, inclusive=row.inclusive))
        for row in TaxRate.objects.all()
    }
    default = next((rule for is_default, rule in by_id.values() if is_default), None)
    if default is None:  # no default row: the older setting (a rate included in every price)
        default = pricing.TaxRule(percent=Decimal(str(settings.PRICES_INCLUDE_TAX_PERCENT)), inclusive=True)

    def named(model: type[ClassType] | type[TherapyType]) -> dict[int, pricing.TaxRule]:
        pairs = model.objects.filter(tax_rate__isnull=False).values_list("pk", "tax_rate_id")
        return {pk: by_id[rate_id][1] for pk, rate_id in pairs}

    return TaxRules(default=default, by_class_type=named(ClassType), by_therapy_type=named(TherapyType))


def tax_rules() -> TaxRules:
    key = f"bookings:tax:{TAX_VERSION.current()}"
    found = cache.get(key)
    if found is None:
        found = _load()
        cache.set(key, found, timeout=TIMEOUT)
    return found


def forget_tax_rules(sender=None, **kwargs) -> None:
    """Receiver for post_save/post_delete of TaxRate, ClassType and TherapyType (and for writes
    that send no signal)."""
    TAX_VERSION.renew()


def class_tax(class_type_id: int) -> pricing.TaxRule:
    rules = tax_rules()
    return rules.by_class_type.get(class_type_id, rules.default)


def therapy_tax(therapy_type_id: int) -> pricing.TaxRule:
    rules = tax_rules()
    return rules.by_therapy_type.get(therapy_type_id, rules.default)


def early_bird_of(session: ClassSession) -> pricing.EarlyBird | None:
    if session.early_bird_price is None:
        return None
    return pricing.EarlyBird(
        price=session.early_bird_price, until=session.early_bird_until, spots=session.early_bird_spots
    )


def has_spot_limited_early_bird(session: ClassSession) -> bool:
    """Whether the price depends on how many spots are sold: then it is set under the session's lock."""
    return session.early_bird_price is not None and session.early_bird_spots is not None


def class_quote(
    session: ClassSession,
    quantity: int,
    *,
    at: datetime | None = None,
    discount: pricing.Discount = pricing.NO_DISCOUNT,
) -> pricing.Quote:
    """The price of ``quantity`` spots of ``session`` booked at ``at`` (now), as read from ``session``
    (its ``spots_taken`` must be current when a spot-limited early bird applies)."""
    unit, early = pricing.unit_price(
        session.price, early_bird_of(session), at=at or timezone.now(), sold=session.spots_taken
    )
    return pricing.quote(unit, quantity, tax=class_tax(session.class_type_id), discount=discount, early_bird=early)


def therapy_quote(price: Decimal, therapy_type_id: int) -> pricing.Quote:
    return pricing.quote(price, 1, tax=therapy_tax(therapy_type_id))
