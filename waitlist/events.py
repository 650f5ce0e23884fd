"""The waitlist's history: one event row per change of a queue entry or a therapy wish.

Both queues write through here, so who, when, from, to, why and where (page, admin, task)
are recorded the same way for both.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, Unpack

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from bookings.services import ADMIN, TASK, RequestMeta
from waitlist.models import TherapyWish, TherapyWishEvent, TherapyWishOffer, WaitlistEntry, WaitlistEvent, WaitlistOffer

PAGE = RequestMeta()
__all__ = ["ADMIN", "PAGE", "TASK", "close_waiting", "log_event", "move"]
BATCH = 2000  # rows a beat task closes per run


class Detail(TypedDict, total=False):
    """What an event may say besides its states: who, why, which offer, and facts."""

    actor: User | None  # None (or an unsaved user): the system
    reason: str
    offer: WaitlistOffer | TherapyWishOffer | None
    data: dict


def log_event(
    subject: WaitlistEntry | TherapyWish, *, from_state: str, to_state: str, meta: RequestMeta, **detail: Unpack[Detail]
) -> None:
    """Write the event of a class queue entry or of a therapy wish (its own table each)."""
    actor = detail.get("actor")
    fields = {
        "offer": detail.get("offer"),
        "actor": actor if actor and actor.pk else None,
        "actor_name": actor.name[:150] if actor and actor.pk else "",
        "from_state": from_state,
        "to_state": to_state,
        "reason": detail.get("reason", "")[:255],
        "source": meta.source,
        "data": detail.get("data") or {},
    }
    if isinstance(subject, WaitlistEntry):
        WaitlistEvent.objects.create(entry=subject, **fields)
    else:
        TherapyWishEvent.objects.create(wish=subject, **fields)


def move(subject: WaitlistEntry | TherapyWish, to_state: str, *, meta: RequestMeta, **detail: Unpack[Detail]) -> None:
    """Change an entry's (or a wish's) state and write the event."""
    old = subject.state
    subject.state = to_state
    subject.save(update_fields=["state", "updated_at"])
    log_event(subject, from_state=old, to_state=to_state, meta=meta, **detail)


def close_waiting(
    waiting: QuerySet[WaitlistEntry] | QuerySet[TherapyWish], *, to_state: str, reason: str, now: datetime
) -> int:
    """Move waiting entries (or wishes) that lapsed to ``to_state``, an event each, in one
    transaction (beat tasks). Rows another worker holds are skipped (``SKIP LOCKED``) and the
    UPDATE keeps to those still waiting, so two workers close each row once. Returns how many."""
    model = waiting.model  # "waiting" is the state of both: EntryState.WAITING == WishState.WAITING
    with transaction.atomic():
        lapsed = list(waiting.select_for_update(skip_locked=True).values_list("pk", flat=True)[:BATCH])
        if not lapsed:
            return 0
        model.objects.filter(pk__in=lapsed, state="waiting").update(state=to_state, updated_at=now)
        fields = {"from_state": "waiting", "to_state": to_state, "reason": reason, "source": TASK.source}
        if model is WaitlistEntry:
            WaitlistEvent.objects.bulk_create(WaitlistEvent(entry_id=pk, **fields) for pk in lapsed)
        else:
            TherapyWishEvent.objects.bulk_create(TherapyWishEvent(wish_id=pk, **fields) for pk in lapsed)
    return len(lapsed)
