"""Domain actions on the waitlist. Each is one transaction (or runs inside the caller's,
for processing a release) that locks what it touches, writes a WaitlistEvent, and
raises WaitlistError with a message fit to show the client.

Lock order, the one of bookings.services: the client's row, then the class session
row, then offer and booking rows. A promotion runs with the session locked (usually by
the release that freed the spot), so it takes the promoted client's row without waiting
and passes a busy client over this time. An offer's state is claimed with a conditional
UPDATE (open -> …) whose row count decides between the client, the expiry task and a
second worker. Only the offer's client (or staff, or the system) answers it: checked
here, after the lock, whoever calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from bookings.services import RequestMeta
from config import race
from config.db_retry import retry_on_conflict
from schedules.models import ClassSession, SessionStatus
from waitlist import messages, rules
from waitlist.models import (
    EntryState,
    OfferState,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistMode,
    WaitlistOffer,
    WaitlistPriority,
    WaitlistSettings,
)

PAGE = RequestMeta()
TASK = booking_services.TASK
ADMIN = booking_services.ADMIN
QUEUE_ORDER = ("-priority", "joined_at", "pk")


class WaitlistError(Exception):
    """A waitlist action that cannot be done; str() is the message for the client."""


class NotPermitted(WaitlistError):
    """The actor's role does not allow this (pages answer 403; the admin hides the action too)."""


MANAGE_QUEUE = "waitlist.change_waitlistentry"


def check_manages_queue(actor: User) -> None:
    """Staff reorder and remove entries through their role's permission, never through ``is_staff`` alone."""
    if not actor.has_perm(MANAGE_QUEUE):
        raise NotPermitted(_("Your role does not allow changing waitlists."))


# --- settings -------------------------------------------------------------------------------


def settings_for(class_type_id: int) -> WaitlistSettings:
    """The class type's waitlist settings, else the studio default: one query."""
    found = (
        WaitlistSettings.objects.filter(Q(class_type_id=class_type_id) | Q(class_type__isnull=True))
        .order_by(F("class_type_id").asc(nulls_last=True))
        .first()
    )
    return found or WaitlistSettings()  # a studio that deleted its default: the built-in one


# --- events ---------------------------------------------------------------------------------


def _log(
    entry: WaitlistEntry,
    *,
    to_state: str,
    from_state: str,
    meta: RequestMeta,
    actor: User | None = None,
    reason: str = "",
    offer: WaitlistOffer | None = None,
    data: dict | None = None,
) -> WaitlistEvent:
    return WaitlistEvent.objects.create(
        entry=entry,
        offer=offer,
        actor=actor if actor and actor.pk else None,
        actor_name=actor.name[:150] if actor and actor.pk else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason[:255],
        source=meta.source,
        data=data or {},
    )


def _move(
    entry: WaitlistEntry,
    to_state: str,
    *,
    meta: RequestMeta,
    actor: User | None = None,
    reason: str = "",
    offer: WaitlistOffer | None = None,
    data: dict | None = None,
) -> None:
    """Change an entry's state and write the event."""
    old = entry.state
    entry.state = to_state
    entry.save(update_fields=["state", "updated_at"])
    _log(entry, from_state=old, to_state=to_state, meta=meta, actor=actor, reason=reason, offer=offer, data=data)


def _lock_session(session_id: int, *, for_offer: bool = False) -> ClassSession:
    """Lock the class session row (the first lock of every action) and load what the waitlist shows.

    ``for_offer``: the lock of an offer's answer (accept, decline, expire), which the
    negative control (guard "waitlist" off, config.race) skips (see _claim_offer).
    """
    sessions = ClassSession.objects.select_related("class_type", "location", "room", "instructor__user")
    if not for_offer or race.locking("waitlist"):
        sessions = sessions.select_for_update(of=("self",), no_key=True)
    return sessions.get(pk=session_id)


def _claim_offer(offer_id: int, to_state: str, now: datetime, *, due: bool | None = None) -> bool:
    """Move an open offer to ``to_state``; the row count says whether this call won.

    ``due``: True only if it has expired by ``now``, False only if it has not, None either.
    The accept, the expiry task and a second worker can all try at once; the UPDATE's
    WHERE lets exactly one through. The race tests pause at "waitlist-offer"; their
    negative control (guard "waitlist" off) reads the state, then writes it
    unconditionally (without the session lock), so two callers can both win.
    """
    still_open = Q(pk=offer_id, state=OfferState.OPEN)
    if due is True:
        still_open &= Q(expires_at__lte=now)
    elif due is False:
        still_open &= Q(expires_at__gt=now)
    if not race.locking("waitlist"):
        found = WaitlistOffer.objects.filter(still_open).exists()
        race.pause("waitlist-offer")
        if found:
            WaitlistOffer.objects.filter(pk=offer_id).update(state=to_state, decided_at=now)
        return found
    race.pause("waitlist-offer")
    return WaitlistOffer.objects.filter(still_open).update(state=to_state, decided_at=now) == 1


# --- joining and leaving ----------------------------------------------------------------------


@retry_on_conflict
def join_waitlist(
    *,
    client: User,
    session_id: int,
    party_size: int,
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
) -> WaitlistEntry:
    """Put ``client`` in the queue of a class whose free spots are too few for the party.

    Locks the session, so a spot released at the same moment is either seen here
    (and the client is told to book it) or processed after the entry exists.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            try:
                session = _lock_session(session_id)
            except ClassSession.DoesNotExist:
                raise WaitlistError(_("This class does not exist.")) from None
            config = settings_for(session.class_type_id)
            _check_joinable(client, session, config, party_size, now)
            entry = WaitlistEntry.objects.create(
                session=session,
                client=client,
                party_size=party_size,
                priority=_client_priority(client),
            )
            _log(entry, from_state="", to_state=entry.state, meta=meta, actor=client, data={"party": party_size})
            entry.session = session
            messages.joined(entry, position=position_of(entry))
            return entry
    except IntegrityError:
        raise WaitlistError(_("You are already on the waitlist for this class.")) from None


def _client_priority(client: User) -> int:
    return WaitlistPriority.objects.filter(client=client).values_list("priority", flat=True).first() or 0


def _check_joinable(
    client: User, session: ClassSession, config: WaitlistSettings, party_size: int, now: datetime
) -> None:
    if not config.is_enabled:
        raise WaitlistError(_("This class has no waitlist."))
    if session.status != SessionStatus.SCHEDULED:
        raise WaitlistError(_("This class has been cancelled."))
    if not rules.is_open(now=now, starts_at=session.starts_at, terms=config.terms()):
        raise WaitlistError(_("The waitlist for this class has closed."))
    policy = booking_services.policy_for(session.class_type_id)
    if party_size < 1:
        raise WaitlistError(_("Choose at least one spot."))
    if party_size > policy.max_party_size:
        raise WaitlistError(
            ngettext(
                "You can wait for at most %(n)d spot.",
                "You can wait for at most %(n)d spots.",
                policy.max_party_size,
            )
            % {"n": policy.max_party_size}
        )
    if party_size <= session.spots_left:
        raise WaitlistError(_("There are free spots in this class: book them instead."))
    if Booking.objects.filter(
        client=client, class_session_id=session.pk, status__in=[BookingStatus.CONFIRMED, BookingStatus.REQUESTED]
    ).exists():
        raise WaitlistError(_("You already have a booking for this class."))
    if config.max_waiting is not None:
        waiting = WaitlistEntry.objects.filter(session_id=session.pk, state=EntryState.WAITING).count()
        if waiting >= config.max_waiting:
            raise WaitlistError(_("The waitlist for this class is full."))


def _check_answers_for(actor: User | None, client_id: int) -> None:
    """An entry or offer is answered by its own client, staff who manage the queue, or the system."""
    if actor is not None and actor.pk != client_id and not actor.has_perm(MANAGE_QUEUE):
        raise NotPermitted(_("This is not your place on the waitlist."))


@retry_on_conflict
def leave_waitlist(*, entry: WaitlistEntry, actor: User, meta: RequestMeta = PAGE) -> None:
    """The client leaves the queue; an open offer is declined (its spot passes on)."""
    _check_answers_for(actor, entry.client_id)
    offer = WaitlistOffer.objects.filter(entry_id=entry.pk, state=OfferState.OPEN).first()
    if offer is not None:
        decline_offer(offer=offer, actor=actor, meta=meta)
        return
    with transaction.atomic():
        _lock_session(entry.session_id)
        won = WaitlistEntry.objects.filter(pk=entry.pk, state=EntryState.WAITING).update(
            state=EntryState.LEFT, updated_at=timezone.now()
        )
        if not won:
            raise WaitlistError(_("You are no longer on this waitlist."))
        _log(entry, from_state=EntryState.WAITING, to_state=EntryState.LEFT, meta=meta, actor=actor)


# --- processing a release --------------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    entry: WaitlistEntry
    booking: Booking
    offer: WaitlistOffer | None  # None: booked at once (auto-enroll)


def process_session(
    *, session_id: int, meta: RequestMeta = TASK, now: datetime | None = None, note_passed_over: bool = True
) -> list[Promotion]:
    """Give a session's free spots to its queue: by priority, then join time, skipping
    parties that do not fit. Offer mode holds the spot for the client (a pending
    booking); auto-enroll books it at once.

    Runs inside the transaction that freed the spots (the spots_released receiver) or
    its own, always with the session locked: a client whose row another action of
    theirs holds (a booking at this very moment) is passed over without waiting and
    keeps their place (bookings.services.hold_spots, the one lock order). The number of
    queries depends on how many entries are promoted, never on how many are waiting:
    each step reads only the head of the queue that still fits.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_session(session_id)
        _settle_stale_offers(session_id, now=now, class_cancelled=session.status != SessionStatus.SCHEDULED)
        free = session.spots_left
        if free <= 0 or session.status != SessionStatus.SCHEDULED:
            return []
        config = settings_for(session.class_type_id)
        if not config.is_enabled:
            return []
        terms = config.terms()
        expires_at = None
        if config.mode == WaitlistMode.OFFER:
            expires_at = rules.offer_expiry(now=now, starts_at=session.starts_at, terms=terms)
            if expires_at is None:
                return []
        elif not rules.is_open(now=now, starts_at=session.starts_at, terms=terms):
            return []
        policy = booking_services.policy_for(session.class_type_id)
        try:
            booking_services.check_hold_allowed(session, policy, now)
        except booking_services.BookingError:
            return []  # booking is closed for this class (cut-off, not yet open): nobody can be given it
        promoted: list[Promotion] = []
        passed_over: list[int] = []  # entries a client-specific rule refused this time; they keep their place
        while free > 0:
            entry = (
                WaitlistEntry.objects.filter(
                    session_id=session_id, state=EntryState.WAITING, party_size__lte=min(free, policy.max_party_size)
                )
                .exclude(pk__in=passed_over)
                .select_related("client")
                .order_by(*QUEUE_ORDER)
                .first()
            )
            if entry is None:
                break
            entry.session = session
            race.pause("waitlist-promote")
            try:
                promotion = _promote(entry, session, config, policy, expires_at=expires_at, meta=meta)
            except booking_services.SessionFull:
                break
            except IntegrityError:
                # The client has an active booking of this class already (made at the desk): done waiting.
                _move(entry, EntryState.CLOSED, meta=meta, reason="already booked")
                continue
            except booking_services.BookingError as exc:
                passed_over.append(entry.pk)
                if note_passed_over:
                    _log(entry, from_state=entry.state, to_state=entry.state, meta=meta, reason=f"passed over: {exc}")
                continue
            promoted.append(promotion)
            free -= entry.party_size
        return promoted


def _promote(
    entry: WaitlistEntry,
    session: ClassSession,
    config: WaitlistSettings,
    policy,
    *,
    expires_at: datetime | None,
    meta: RequestMeta,
) -> Promotion:
    auto = config.mode == WaitlistMode.AUTO_ENROLL
    booking = booking_services.hold_spots(
        client=entry.client,
        session=session,
        quantity=entry.party_size,
        rules=policy,
        meta=meta,
        reason="booked from the waitlist" if auto else "held for a waitlist offer",
        hold_until=expires_at,
        confirm=auto,
    )
    if auto:
        _move(entry, EntryState.BOOKED, meta=meta, reason="auto-enrolled", data={"booking": booking.reference})
        messages.enrolled(entry, booking)
        return Promotion(entry, booking, None)
    offer = WaitlistOffer.objects.create(
        entry=entry,
        booking=booking,
        session=session,
        client=entry.client,
        quantity=entry.party_size,
        expires_at=expires_at,
    )
    _move(entry, EntryState.OFFERED, meta=meta, offer=offer, data={"expires_at": expires_at.isoformat()})
    messages.offer_made(offer)
    return Promotion(entry, booking, offer)


def _settle_stale_offers(session_id: int, *, now: datetime, class_cancelled: bool = False) -> None:
    """Open offers whose held booking was changed elsewhere (cancelled from the booking
    page, confirmed or cancelled by staff, the class cancelled) follow their booking.

    One read; nearly always empty.
    """
    stale = list(
        WaitlistOffer.objects.filter(session_id=session_id, state=OfferState.OPEN)
        .exclude(booking__status=BookingStatus.PENDING)
        .select_related("entry", "booking")
    )
    for offer in stale:
        confirmed = offer.booking.status == BookingStatus.CONFIRMED
        offer.state = OfferState.ACCEPTED if confirmed else OfferState.CANCELLED
        offer.decided_at = now
        offer.save(update_fields=["state", "decided_at"])
        ended = EntryState.CLOSED if class_cancelled else EntryState.DECLINED
        to_state = EntryState.BOOKED if confirmed else ended
        _move(
            offer.entry,
            to_state,
            meta=TASK,
            offer=offer,
            reason=f"held booking {offer.booking.status}",
        )


# --- offers -----------------------------------------------------------------------------------


def client_offer(*, client: User, offer_id: int) -> WaitlistOffer:
    """The client's own offer; another client's is simply not found (DoesNotExist)."""
    return WaitlistOffer.objects.select_related(
        "booking", "entry", "session__class_type", "session__location", "session__room", "session__instructor"
    ).get(pk=offer_id, client=client)


def refusal(offer, *, expired: str | None = None) -> str:
    """Why an offer (a class offer or a therapy wish's) can no longer be accepted, in the
    client's words ("" while it is open). ``expired`` words the expiry, with %(time)s."""
    expired = (
        expired
        or _("Sorry, this offer expired at %(time)s and the spot has passed to the next person on the waitlist.")
    ) % {"time": timezone.localtime(offer.expires_at).strftime("%H:%M")}
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


@retry_on_conflict
def accept_offer(
    *, offer: WaitlistOffer, actor: User, meta: RequestMeta = PAGE, now: datetime | None = None
) -> Booking:
    """Book the held spot. Only the offer's own client: NotPermitted for anyone else,
    nothing changed. Refused with a clear message once the offer has expired, even if
    the expiry task has not run yet (this call then expires it)."""
    now = now or timezone.now()
    if offer.client_id != actor.pk:
        raise NotPermitted(_("This offer is not yours."))
    with transaction.atomic():
        _lock_session(offer.session_id, for_offer=True)
        _settle_stale_offers(offer.session_id, now=now)
        if _claim_offer(offer.pk, OfferState.ACCEPTED, now, due=False):
            try:
                booking = booking_services.confirm_hold(
                    booking=offer.booking, actor=actor, meta=meta, reason="waitlist offer accepted"
                )
            except booking_services.BookingError:
                # The held booking was changed elsewhere (staff, a cancellation): the offer follows it.
                WaitlistOffer.objects.filter(pk=offer.pk).update(state=OfferState.OPEN, decided_at=None)
                _settle_stale_offers(offer.session_id, now=now)
            else:
                entry = WaitlistEntry.objects.get(pk=offer.entry_id)
                _move(entry, EntryState.BOOKED, meta=meta, actor=actor, offer=offer, reason="accepted")
                return booking
        offer.refresh_from_db()
        overdue = offer.state == OfferState.OPEN and offer.expires_at <= now
    if overdue:
        expire_offer(offer_id=offer.pk, now=now)
        offer.refresh_from_db()
    booking = Booking.objects.get(pk=offer.booking_id)
    if offer.state == OfferState.ACCEPTED and booking.status == BookingStatus.CONFIRMED:
        return booking  # a second click, or staff confirmed it: the booking is there
    raise WaitlistError(refusal(offer))


@retry_on_conflict
def decline_offer(*, offer: WaitlistOffer, actor: User | None, meta: RequestMeta = PAGE) -> None:
    """Give the held spot back; it goes to the next fitting entry in the same transaction.

    The offer's client, staff who manage the queue, or the system (``actor=None``):
    NotPermitted for anyone else, nothing changed."""
    now = timezone.now()
    _check_answers_for(actor, offer.client_id)
    with transaction.atomic():
        _lock_session(offer.session_id, for_offer=True)
        _settle_stale_offers(offer.session_id, now=now)
        if not _claim_offer(offer.pk, OfferState.DECLINED, now):
            offer.refresh_from_db()
            raise WaitlistError(refusal(offer))
        entry = WaitlistEntry.objects.get(pk=offer.entry_id)
        _move(entry, EntryState.DECLINED, meta=meta, actor=actor, offer=offer)
        # Releasing sends spots_released: the receiver offers the spot to the next one.
        booking_services.release_hold(
            booking=offer.booking, to=BookingStatus.CANCELLED, actor=actor, meta=meta, reason="waitlist offer declined"
        )


@retry_on_conflict
def expire_offer(*, offer_id: int, now: datetime | None = None) -> bool:
    """Expire one overdue offer and pass its spot on; False when it was not open and due.

    Safe to run twice or from two workers at once: the conditional UPDATE lets one win.
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer = WaitlistOffer.objects.select_related("booking").get(pk=offer_id)
        session = _lock_session(offer.session_id, for_offer=True)
        _settle_stale_offers(offer.session_id, now=now)  # a hold staff confirmed is not expired
        if not _claim_offer(offer.pk, OfferState.EXPIRED, now, due=True):
            return False
        offer.state = OfferState.EXPIRED
        entry = WaitlistEntry.objects.select_related("client").get(pk=offer.entry_id)
        entry.session = session
        offer.entry, offer.session = entry, session
        _move(entry, EntryState.EXPIRED, meta=TASK, offer=offer, reason="offer not accepted in time")
        messages.offer_expired(offer)
        booking_services.release_hold(
            booking=offer.booking, to=BookingStatus.EXPIRED, actor=None, reason="offer expired"
        )
        return True


def expire_due_offers(*, now: datetime | None = None, limit: int = 500) -> int:
    """Expire every overdue offer (the beat task); returns how many this run expired."""
    now = now or timezone.now()
    due = list(
        WaitlistOffer.objects.filter(state=OfferState.OPEN, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if expire_offer(offer_id=pk, now=now))


def sweep_free_spots(*, now: datetime | None = None) -> int:
    """Give free spots to queues that a release did not reach (a failed receiver, a counter
    repaired by hand, a party that fits only now). Returns how many entries were promoted."""
    now = now or timezone.now()
    fitting = WaitlistEntry.objects.filter(
        session=OuterRef("pk"),
        state=EntryState.WAITING,
        party_size__lte=F("session__capacity") - F("session__spots_taken"),
    )
    sessions = (
        ClassSession.objects.scheduled()
        .filter(starts_at__gt=now, spots_taken__lt=F("capacity"))
        .filter(Exists(fitting))
        .values_list("pk", flat=True)[:200]
    )
    return sum(len(process_session(session_id=pk, now=now, note_passed_over=False)) for pk in list(sessions))


def close_lapsed_entries(*, now: datetime | None = None) -> int:
    """Entries still waiting on classes that have started: closed, with an event each (beat task)."""
    now = now or timezone.now()
    with transaction.atomic():
        lapsed = list(
            WaitlistEntry.objects.select_for_update(skip_locked=True)
            .filter(state=EntryState.WAITING, session__starts_at__lte=now)
            .values_list("pk", flat=True)[:2000]
        )
        if not lapsed:
            return 0
        WaitlistEntry.objects.filter(pk__in=lapsed).update(state=EntryState.CLOSED, updated_at=now)
        WaitlistEvent.objects.bulk_create(
            WaitlistEvent(
                entry_id=pk,
                from_state=EntryState.WAITING,
                to_state=EntryState.CLOSED,
                reason="class started",
                source=TASK.source,
            )
            for pk in lapsed
        )
    return len(lapsed)


def close_for_cancelled_session(*, session: ClassSession, actor: User | None = None) -> int:
    """The studio cancelled the class: the queue is closed and everyone waiting is told."""
    entries = list(WaitlistEntry.objects.filter(session=session, state=EntryState.WAITING).select_related("client"))
    for entry in entries:
        entry.session = session
        _move(entry, EntryState.CLOSED, meta=ADMIN, actor=actor, reason="class cancelled")
    messages.class_cancelled(entries, session)
    return len(entries)


# --- staff ------------------------------------------------------------------------------------


def promote_entry(*, entry: WaitlistEntry, actor: User, meta: RequestMeta = ADMIN) -> list[Promotion]:
    """Move a waiting entry to the head of its queue, then give it any free spot that fits."""
    check_manages_queue(actor)
    with transaction.atomic():
        _lock_session(entry.session_id)
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
        _log(
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
        _lock_session(entry.session_id)
        entry = WaitlistEntry.objects.get(pk=entry.pk)
        if not entry.is_live:
            raise WaitlistError(_("This entry is no longer on the waitlist."))
        offer = WaitlistOffer.objects.filter(entry=entry, state=OfferState.OPEN).select_related("booking").first()
        if offer is not None:
            WaitlistOffer.objects.filter(pk=offer.pk).update(state=OfferState.CANCELLED, decided_at=timezone.now())
        _move(entry, EntryState.REMOVED, meta=meta, actor=actor, offer=offer, reason=reason or "removed by staff")
        if offer is not None:
            booking_services.release_hold(
                booking=offer.booking,
                to=BookingStatus.CANCELLED,
                actor=actor,
                meta=meta,
                reason="waitlist offer withdrawn",
            )


# --- reads used by the services -----------------------------------------------------------------


def position_of(entry: WaitlistEntry) -> int:
    """1 for the head of the queue."""
    ahead = WaitlistEntry.objects.filter(session_id=entry.session_id, state=EntryState.WAITING).filter(
        Q(priority__gt=entry.priority)
        | Q(priority=entry.priority, joined_at__lt=entry.joined_at)
        | Q(priority=entry.priority, joined_at=entry.joined_at, pk__lt=entry.pk)
    )
    return ahead.count() + 1


def set_priority(*, entry: WaitlistEntry, priority: int, actor: User, meta: RequestMeta = ADMIN) -> None:
    """Staff change one entry's priority (the queue re-orders; any free spot that now fits is given)."""
    check_manages_queue(actor)
    with transaction.atomic():
        _lock_session(entry.session_id)
        old = WaitlistEntry.objects.values_list("priority", flat=True).get(pk=entry.pk)
        WaitlistEntry.objects.filter(pk=entry.pk).update(priority=priority, updated_at=timezone.now())
        _log(
            entry,
            from_state=entry.state,
            to_state=entry.state,
            meta=meta,
            actor=actor,
            reason="priority changed",
            data={"priority": [old, priority]},
        )
        process_session(session_id=entry.session_id, meta=meta)
