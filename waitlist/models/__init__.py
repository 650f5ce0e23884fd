"""Waitlist tables: who waits for which full class, the offers that hold a spot for them,
the studio's waitlist settings per class type, clients with priority, and the history;
and the therapy side: wishes for a free time with a therapist, and their offers.

Behaviour that writes lives in waitlist.services; the order of the queue and the
hold times are pure rules in waitlist.rules. One module per part (``terms``, ``queue``,
``therapy_wishes``, ``history``), re-exported here for ``from waitlist.models import X``.
"""

from waitlist.models.history import HistoryEvent
from waitlist.models.queue import (
    LIVE_STATES,
    EntryState,
    OfferState,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistOffer,
)
from waitlist.models.terms import WaitlistMode, WaitlistPriority, WaitlistSettings
from waitlist.models.therapy_wishes import (
    LIVE_WISH_STATES,
    WEEKDAY_DIGITS,
    TherapyWish,
    TherapyWishEvent,
    TherapyWishOffer,
    WishState,
)

__all__ = [
    "LIVE_STATES",
    "LIVE_WISH_STATES",
    "WEEKDAY_DIGITS",
    "EntryState",
    "HistoryEvent",
    "OfferState",
    "TherapyWish",
    "TherapyWishEvent",
    "TherapyWishOffer",
    "WaitlistEntry",
    "WaitlistEvent",
    "WaitlistMode",
    "WaitlistOffer",
    "WaitlistPriority",
    "WaitlistSettings",
    "WishState",
]
