"""One offer life cycle for the class queue and for therapy wishes.

An offer holds a spot (or a therapist's time) for one client until a deadline, through a
pending booking. It ends exactly once: accepted (the booking is confirmed), declined or
expired (the booking is released, which passes the spot or time on to the next one
waiting, in the same transaction), or withdrawn. What differs per kind (the table, the
first lock, the hold functions, the messages) is in waitlist.offer_kinds.

Who may answer is checked here, whoever calls: accepting is for the offer's own client
only; declining for the client, staff whose role manages that queue, or the system
(``actor=None``). Anyone else gets NotPermitted and nothing changes.

The race: the client, the expiry task and a second worker may answer at once. Each takes
the kind's first lock (the class session's row, or the therapist's), then claims the
offer's state with one conditional UPDATE (open -> …) whose row count says who won. The
race tests pause at "waitlist-offer"; their negative control (guard "waitlist" off,
config.race) skips the lock and reads, then writes unconditionally, so two can win.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking, BookingStatus
from bookings.services import BookingError, RequestMeta
from config import race
from config.db_retry import retry_on_conflict
from waitlist.errors import NotPermitted, WaitlistError
from waitlist.events import PAGE, TASK, move
from waitlist.models import OfferState
from waitlist.offer_kinds import Offer, OfferKind, kind_of
from waitlist.permissions import check_answers_for

__all__ = [
    "accept_offer",
    "client_offer",
    "decline_offer",
    "expire_due_offers",
    "expire_offer",
    "refusal",
    "settle_stale_offers",
]


def client_offer(*, kind: OfferKind, client: User, offer_id: int) -> Offer:
    """The client's own offer of this kind; another client's is simply not found (DoesNotExist)."""
    return kind.model.objects.select_related(*kind.page_related).get(pk=offer_id, client=client)


def refusal(offer: Offer) -> str:
    """Why an offer can no longer be accepted, in the client's words ("" while it is open)."""
    expired = kind_of(offer).expired_text() % {"time": timezone.localtime(offer.expires_at).strftime("%H:%M")}
    match offer.state:
        case OfferState.OPEN:
            return "" if offer.expires_at > timezone.now() else expired
        case OfferState.EXPIRED:
            return expired
        case OfferState.DECLINED:
            return _("You declined this offer.")
        case OfferState.ACCEPTED:
            return _("You have already accepted this offer.")
    return _("This offer has been withdrawn.")


def _claim(kind: OfferKind, offer_id: int, to_state: str, now: datetime, *, due: bool | None = None) -> bool:
    """Move an open offer to ``to_state``; the row count says whether this call won.

    ``due``: True only if it has expired by ``now``, False only if it has not, None either.
    """
    still_open = Q(pk=offer_id, state=OfferState.OPEN)
    if due is True:
        still_open &= Q(expires_at__lte=now)
    elif due is False:
        still_open &= Q(expires_at__gt=now)
    offers = kind.model.objects
    if not race.locking("waitlist"):
        found = offers.filter(still_open).exists()
        race.pause("waitlist-offer")
        if found:
            offers.filter(pk=offer_id).update(state=to_state, decided_at=now)
        return found
    race.pause("waitlist-offer")
    return offers.filter(still_open).update(state=to_state, decided_at=now) == 1


def settle_stale_offers(*, kind: OfferKind, scope_id: int, now: datetime, class_cancelled: bool = False) -> None:
    """Open offers whose held booking was changed elsewhere (cancelled from the booking page,
    confirmed or cancelled by staff, expired by the safety net, the class cancelled) follow it.

    ``scope_id``: the class session's or the therapist's id, whose lock the caller holds.
    One read; nearly always empty.
    """
    stale: list[Offer] = list(
        kind.model.objects.filter(**{kind.scope_field: scope_id, "state": OfferState.OPEN})
        .exclude(booking__status=BookingStatus.PENDING)
        .select_related(kind.subject_field, "booking")
    )
    for offer in stale:
        status = offer.booking.status
        offer_state, subject_state = kind.stale_outcome(status, class_cancelled=class_cancelled)
        kind.model.objects.filter(pk=offer.pk).update(state=offer_state, decided_at=now)
        move(getattr(offer, kind.subject_field), subject_state, meta=TASK, offer=offer, reason=f"held booking {status}")


@retry_on_conflict
def accept_offer(*, offer: Offer, actor: User, meta: RequestMeta = PAGE, now: datetime | None = None) -> Booking:
    """Book the held spot or time. Only the offer's own client: NotPermitted for anyone else,
    nothing changed. Refused with a clear message once the offer has expired, even if the
    expiry task has not run yet (this call then expires it)."""
    now = now or timezone.now()
    if offer.client_id != actor.pk:
        raise NotPermitted(_("This offer is not yours."))
    kind = kind_of(offer)
    with transaction.atomic():
        locked = kind.lock(offer)
        settle_stale_offers(kind=kind, scope_id=kind.scope_of(offer), now=now)
        if _claim(kind, offer.pk, OfferState.ACCEPTED, now, due=False):
            try:
                booking = kind.confirm(offer, actor=actor, meta=meta)
            except BookingError:
                # The held booking was changed elsewhere (staff, a cancellation): the offer follows it.
                kind.model.objects.filter(pk=offer.pk).update(state=OfferState.OPEN, decided_at=None)
                settle_stale_offers(kind=kind, scope_id=kind.scope_of(offer), now=now)
            else:
                subject = kind.subject_after_claim(offer, locked)
                move(subject, kind.booked, meta=meta, actor=actor, offer=offer, reason="accepted")
                return booking
        offer.refresh_from_db()
        overdue = offer.state == OfferState.OPEN and offer.expires_at <= now
    if overdue:
        expire_offer(kind=kind, offer_id=offer.pk, now=now)
        offer.refresh_from_db()
    booking = Booking.objects.get(pk=offer.booking_id)
    if offer.state == OfferState.ACCEPTED and booking.status == BookingStatus.CONFIRMED:
        return booking  # a second click, or staff confirmed it: the booking is there
    raise WaitlistError(refusal(offer))


@retry_on_conflict
def decline_offer(*, offer: Offer, actor: User | None, meta: RequestMeta = PAGE) -> None:
    """Give the held spot or time back; it goes to the next one waiting in the same transaction
    (the release sends bookings' signal, whose receiver makes the next offer).

    The offer's client, staff whose role manages that queue, or the system (``actor=None``):
    NotPermitted for anyone else, nothing changed."""
    now = timezone.now()
    kind = kind_of(offer)
    check_answers_for(actor, offer.client_id, permission=kind.manage_permission, refusal=_("This offer is not yours."))
    with transaction.atomic():
        locked = kind.lock(offer)
        settle_stale_offers(kind=kind, scope_id=kind.scope_of(offer), now=now)
        if not _claim(kind, offer.pk, OfferState.DECLINED, now):
            offer.refresh_from_db()
            raise WaitlistError(refusal(offer))
        subject = kind.subject_after_claim(offer, locked)
        move(subject, kind.declined, meta=meta, actor=actor, offer=offer)
        kind.release_declined(offer, actor=actor, meta=meta)


@retry_on_conflict
def expire_offer(*, kind: OfferKind, offer_id: int, now: datetime | None = None) -> bool:
    """Expire one overdue offer and pass its spot or time on; False when it was not open and due.

    Safe to run twice or from two workers at once: the conditional UPDATE lets one win.
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer = kind.load_for_expiry(offer_id)
        locked = kind.lock(offer)
        settle_stale_offers(kind=kind, scope_id=kind.scope_of(offer), now=now)  # a hold staff confirmed is not expired
        if not _claim(kind, offer.pk, OfferState.EXPIRED, now, due=True):
            return False
        offer.state = OfferState.EXPIRED
        subject = kind.subject_after_claim(offer, locked)
        move(subject, kind.expired, meta=TASK, offer=offer, reason="offer not accepted in time")
        kind.tell_expired(offer)
        kind.release_expired(offer)
        return True


def expire_due_offers(*, kind: OfferKind, now: datetime | None = None, limit: int = 500) -> int:
    """Expire every overdue offer of this kind (the beat task); returns how many this run expired."""
    now = now or timezone.now()
    due = list(
        kind.model.objects.filter(state=OfferState.OPEN, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if expire_offer(kind=kind, offer_id=pk, now=now))
