"""What staff do to a class queue (admin actions): move an entry up, change its priority,
take it off the queue. Each checks the actor's role itself (waitlist.permissions), locks
the class session first, writes the event, and gives any spot that now fits (queue).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.services import RequestMeta
from waitlist.errors import WaitlistError
from waitlist.events import ADMIN, log_event, move
from waitlist.locks import lock_session
from waitlist.models import EntryState, OfferState, WaitlistEntry, WaitlistOffer
from waitlist.offer_kinds import CLASS
from waitlist.permissions import check_manages_queue
from waitlist.queue import Promotion, process_session


def promote_entry(*, entry: WaitlistEntry, actor: User, meta: RequestMeta = ADMIN) -> list[Promotion]:
    """Move a waiting entry to the head of its queue, then give it any free spot that fits."""
    check_manages_queue(actor)
    with transaction.atomic():
        lock_session(entry.session_id)
        entry = WaitlistEntry.objects.get(pk=entry.pk)
        if entry.state != EntryState.WAITING:
            raise WaitlistError(_("Only waiting entries can be moved up."))
        top = (
            WaitlistEntry.objects.filter(session_id=entry.session_id, state=EntryState.WAITING)
            .exclude(pk=entry.pk)
            .aggregate(m=Max("priority"))["m"]
        )
        old = entry.priority
        if top is not None and top >= old:
            entry.priority = top + 1
            entry.save(update_fields=["priority", "updated_at"])
        log_event(
            entry,
            from_state=entry.state,
            to_state=entry.state,
            meta=meta,
            actor=actor,
            reason="moved to the top",
            data={"priority": [old, entry.priority]},
        )
        return process_session(session_id=entry.session_id, meta=meta)


def remove_entry(*, entry: WaitlistEntry, actor: User, reason: str = "", meta: RequestMeta = ADMIN) -> None:
    """Staff take a client off the queue; an open offer is withdrawn and its spot passes on."""
    check_manages_queue(actor)
    with transaction.atomic():
        lock_session(entry.session_id)
        entry = WaitlistEntry.objects.get(pk=entry.pk)
        if not entry.is_live:
            raise WaitlistError(_("This entry is no longer on the waitlist."))
        offer = WaitlistOffer.objects.filter(entry=entry, state=OfferState.OPEN).select_related("booking").first()
        if offer is not None:
            WaitlistOffer.objects.filter(pk=offer.pk).update(state=OfferState.CANCELLED, decided_at=timezone.now())
        move(entry, EntryState.REMOVED, meta=meta, actor=actor, offer=offer, reason=reason or "removed by staff")
        if offer is not None:
            CLASS.release_withdrawn(offer, actor=actor, meta=meta)


def set_priority(*, entry: WaitlistEntry, priority: int, actor: User, meta: RequestMeta = ADMIN) -> None:
    """Staff change one entry's priority (the queue re-orders; any free spot that now fits is given)."""
    check_manages_queue(actor)
    with transaction.atomic():
        lock_session(entry.session_id)
        old = WaitlistEntry.objects.values_list("priority", flat=True).get(pk=entry.pk)
        WaitlistEntry.objects.filter(pk=entry.pk).update(priority=priority, updated_at=timezone.now())
        log_event(
            entry,
            from_state=entry.state,
            to_state=entry.state,
            meta=meta,
            actor=actor,
            reason="priority changed",
            data={"priority": [old, priority]},
        )
        process_session(session_id=entry.session_id, meta=meta)
