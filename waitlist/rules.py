"""When the waitlist closes and how long an offer holds its spot. Pure: no ORM.

An offer holds for ``offer_hold_minutes`` (default 2 h), or ``soon_hold_minutes``
when the class starts within ``soon_hours``; never past the waitlist's cut-off
before the start. Within MIN_HOLD of the cut-off no offer is made: nobody could
reasonably answer it.

For therapy wishes: whether a session fits the client's days and times (read in the
client's zone), and the hold terms of a therapy offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

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


# --- therapy wishes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WishWindow:
    """When a client can come: dates, weekdays (Monday 0) and a time of day, in their zone."""

    earliest_date: date
    latest_date: date
    weekdays: frozenset[int]
    earliest_time: time
    latest_time: time
    zone: tzinfo


def fits(window: WishWindow, start: datetime, end: datetime) -> bool:
    """Does a session from ``start`` to ``end`` (aware) lie inside the window, read in its zone?

    The whole session must: it starts no earlier than ``earliest_time`` and is over by
    ``latest_time`` on one of the chosen days.
    """
    local_start, local_end = start.astimezone(window.zone), end.astimezone(window.zone)
    day = local_start.date()
    if not window.earliest_date <= day <= window.latest_date or day.weekday() not in window.weekdays:
        return False
    if local_end.date() != day and not (local_end.date() == day + timedelta(days=1) and local_end.time() == time(0)):
        return False
    end_time = local_end.time() if local_end.date() == day else time.max
    return window.earliest_time <= local_start.time() and end_time <= window.latest_time


def wish_hold_terms(terms: HoldTerms, *, min_notice_hours: int) -> HoldTerms:
    """The studio's hold times for a therapy offer; it never runs past the therapist's
    minimum notice before the session (nor the studio's waitlist cut-off)."""
    return HoldTerms(
        offer_hold_minutes=terms.offer_hold_minutes,
        soon_hours=terms.soon_hours,
        soon_hold_minutes=terms.soon_hold_minutes,
        cutoff_minutes=max(terms.cutoff_minutes, min_notice_hours * 60),
    )


def preferred(slots, *, freed_start: datetime) -> list:
    """Free slots in the order a wish is offered them: the freed time itself first, then nearest."""
    return sorted(slots, key=lambda s: (s.start != freed_start, abs(s.start - freed_start), s.start))
