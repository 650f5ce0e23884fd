"""The waitlist's row locks, in the project's one lock order (docs/architecture.md).

A class queue action locks its class session row first; a therapy wish's offer is answered
under the therapist's settings row lock. The locks of an offer's answer (accept, decline,
expire) are the ones the negative control of the offer race switches off (config.race,
guard "waitlist"), so the race tests can show what they protect.
"""

from __future__ import annotations

from bookings import services as booking_services
from config import race
from schedules.models import ClassSession


def lock_session(session_id: int, *, for_offer: bool = False) -> ClassSession:
    """Lock the class session row (the first lock of every queue action) and load what the waitlist shows.

    ``for_offer``: the lock of an offer's answer, which the negative control skips.
    """
    sessions = ClassSession.objects.select_related("class_type", "location", "room", "instructor__user")
    if not for_offer or race.locking("waitlist"):
        sessions = sessions.select_for_update(of=("self",), no_key=True)
    return sessions.get(pk=session_id)


def lock_therapist_for_offer(practitioner_id: int) -> None:
    """The first lock of a therapy offer's answer; the negative control skips it."""
    if race.locking("waitlist"):
        booking_services.lock_therapist(practitioner_id)
