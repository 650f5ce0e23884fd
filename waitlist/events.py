"""The waitlist's history: one event row per change of a queue entry or a therapy wish.

Both queues write through here, so who, when, from, to, why and where (page, admin, task)
are recorded the same way for both.
"""

from __future__ import annotations

from accounts.models import User
from bookings.services import ADMIN, TASK, RequestMeta
from waitlist.models import TherapyWish, TherapyWishEvent, TherapyWishOffer, WaitlistEntry, WaitlistEvent, WaitlistOffer

PAGE = RequestMeta()
__all__ = ["ADMIN", "PAGE", "TASK", "log_event", "move"]


def log_event(
    subject: WaitlistEntry | TherapyWish,
    *,
    from_state: str,
    to_state: str,
    meta: RequestMeta,
    actor: User | None = None,
    reason: str = "",
    offer: WaitlistOffer | TherapyWishOffer | None = None,
    data: dict | None = None,
) -> None:
    """Write the event of a class queue entry or of a therapy wish (its own table each)."""
    fields = {
        "offer": offer,
        "actor": actor if actor and actor.pk else None,
        "actor_name": actor.name[:150] if actor and actor.pk else "",
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason[:255],
        "source": meta.source,
        "data": data or {},
    }
    if isinstance(subject, WaitlistEntry):
        WaitlistEvent.objects.create(entry=subject, **fields)
    else:
        TherapyWishEvent.objects.create(wish=subject, **fields)


def move(
    subject: WaitlistEntry | TherapyWish,
    to_state: str,
    *,
    meta: RequestMeta,
    actor: User | None = None,
    reason: str = "",
    offer: WaitlistOffer | TherapyWishOffer | None = None,
    data: dict | None = None,
) -> None:
    """Change an entry's (or a wish's) state and write the event."""
    old = subject.state
    subject.state = to_state
    subject.save(update_fields=["state", "updated_at"])
    log_event(subject, from_state=old, to_state=to_state, meta=meta, actor=actor, reason=reason, offer=offer, data=data)
