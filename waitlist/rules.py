"""When the waitlist closes and how long an offer holds its spot. Pure: no ORM.

An offer holds for ``offer_hold_minutes`` (default 2 h), or ``soon_hold_minutes``
when the class starts within ``soon_hours``; never past the waitlist's cut-off
before the start. Within MIN_HOLD of the cut-off no offer is made: nobody could
reasonably answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_HOLD = timedelta(minutes=5)


@dataclass(frozen=True)
class HoldTerms:
    offer_hold_minutes: int = 120
    soon_hours: int = 12
    soon_hold_minutes: int = 30
    cutoff_minutes: int = 60


def closes_at(starts_at: datetime, terms: HoldTerms) -> datetime:
    """No offers or bookings from the waitlist from this moment on."""
    return starts_at - timedelta(minutes=terms.cutoff_minutes)


def is_open(*, now: datetime, starts_at: datetime, terms: HoldTerms) -> bool:
    return now < closes_at(starts_at, terms)


def offer_expiry(*, now: datetime, starts_at: datetime, terms: HoldTerms) -> datetime | None:
    """When an offer made ``now`` stops holding its spot; None when it is too late to offer."""
    close = closes_at(starts_at, terms)
    soon = starts_at - now <= timedelta(hours=terms.soon_hours)
    hold = timedelta(minutes=terms.soon_hold_minutes if soon else terms.offer_hold_minutes)
    expiry = min(now + hold, close)
    if expiry - now < MIN_HOLD:
        return None
    return expiry
