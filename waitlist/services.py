"""The waitlist's domain actions, by their public names, for callers that import them from
one place (views, admin, tasks, handlers, other apps' tests). Nothing is defined here.

Where each lives: ``queue`` (the class queue: join, leave, promotion, sweep), ``offers``
(the one offer life cycle of class and therapy offers), ``staff`` (staff actions on a
queue), ``wishes`` (therapy wishes), with ``errors``, ``permissions``, ``events`` and
``locks`` beside them.
"""

from waitlist.errors import NotPermitted, WaitlistError
from waitlist.events import ADMIN, PAGE, TASK
from waitlist.offers import accept_offer, decline_offer, refusal
from waitlist.permissions import MANAGE_QUEUE, MANAGE_WISHES, check_manages_queue
from waitlist.queue import (
    QUEUE_ORDER,
    Promotion,
    client_offer,
    close_for_cancelled_session,
    close_lapsed_entries,
    expire_due_offers,
    expire_offer,
    join_waitlist,
    leave_waitlist,
    position_of,
    process_session,
    settings_for,
    sweep_free_spots,
)
from waitlist.staff import promote_entry, remove_entry, set_priority

__all__ = [
    "ADMIN",
    "MANAGE_QUEUE",
    "MANAGE_WISHES",
    "PAGE",
    "QUEUE_ORDER",
    "TASK",
    "NotPermitted",
    "Promotion",
    "WaitlistError",
    "accept_offer",
    "check_manages_queue",
    "client_offer",
    "close_for_cancelled_session",
    "close_lapsed_entries",
    "decline_offer",
    "expire_due_offers",
    "expire_offer",
    "join_waitlist",
    "leave_waitlist",
    "position_of",
    "process_session",
    "promote_entry",
    "refusal",
    "remove_entry",
    "set_priority",
    "settings_for",
    "sweep_free_spots",
]
