"""The class queue: joining and leaving a full class's waitlist, and giving freed spots to
it (a release's promotion and the beat task's sweep). Offers themselves (accept, decline,
expire) run through the one offer life cycle, waitlist.offers; staff actions are in
waitlist.staff.

Lock order, the one of bookings.services: the client's row, then the class session row,
then offer and booking rows. A promotion runs with the session locked (usually by the
release that freed the spot), so it takes the promoted client's row without waiting and
passes a busy client over this time (bookings' hold, through waitlist.offer_kinds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bookings import services as booking_services
from bookings.models import Booking, BookingPolicy, BookingStatus
from bookings.services import RequestMeta
from config import race
from config.db_retry import retry_on_conflict
from schedules.models import ClassSession, SessionStatus
from waitlist import messages, offers, rules
from waitlist.errors import WaitlistError
from waitlist.events import ADMIN, PAGE, TASK, close_waiting, log_event, move
from waitlist.locks import lock_session
from waitlist.models import (
    EntryState,
    OfferState,
    WaitlistEntry,
    WaitlistMode,
    WaitlistOffer,
    WaitlistPriority,
    WaitlistSettings,
)
from waitlist.offer_kinds import CLASS
from waitlist.permissions import MANAGE_QUEUE, check_answers_for

QUEUE_ORDER = ("-priority", "joined_at", "pk")


def settings_for(class_type_id: int) -> WaitlistSettings:
    """The class type's waitlist settings, else the studio default: one query."""
    found = (
        WaitlistSettings.objects.filter(Q(class_type_id=class_type_id) | Q(class_type__isnull=True))
        .order_by(F("class_type_id").asc(nulls_last=True))
        .first()
    )
    return found or WaitlistSettings()  # a studio that deleted its default: the built-in one


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
                session = lock_session(session_id)
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
            log_event(entry, from_state="", to_state=entry.state, meta=meta, actor=client, data={"party": party_size})
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


@retry_on_conflict
def leave_waitlist(*, entry: WaitlistEntry, actor: User, meta: RequestMeta = PAGE) -> None:
    """The client leaves the queue; an open offer is declined (its spot passes on)."""
    check_answers_for(
        actor, entry.client_id, permission=MANAGE_QUEUE, refusal=_("This is not your place on the waitlist.")
    )
    offer = WaitlistOffer.objects.filter(entry_id=entry.pk, state=OfferState.OPEN).first()
    if offer is not None:
        offers.decline_offer(offer=offer, actor=actor, meta=meta)
        return
    with transaction.atomic():
        lock_session(entry.session_id)
        won = WaitlistEntry.objects.filter(pk=entry.pk, state=EntryState.WAITING).update(
            state=EntryState.LEFT, updated_at=timezone.now()
        )
        if not won:
            raise WaitlistError(_("You are no longer on this waitlist."))
        log_event(entry, from_state=EntryState.WAITING, to_state=EntryState.LEFT, meta=meta, actor=actor)


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
    keeps their place (bookings' hold_spots, the one lock order). The number of
    queries depends on how many entries are promoted, never on how many are waiting:
    each step reads only the head of the queue that still fits.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(session_id)
        offers.settle_stale_offers(
            kind=CLASS, scope_id=session_id, now=now, class_cancelled=session.status != SessionStatus.SCHEDULED
        )
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
                move(entry, EntryState.CLOSED, meta=meta, reason="already booked")
                continue
            except booking_services.BookingError as exc:
                passed_over.append(entry.pk)
                if note_passed_over:
                    log_event(
                        entry, from_state=entry.state, to_state=entry.state, meta=meta, reason=f"passed over: {exc}"
                    )
                continue
            promoted.append(promotion)
            free -= entry.party_size
        return promoted


def _promote(
    entry: WaitlistEntry,
    session: ClassSession,
    config: WaitlistSettings,
    policy: BookingPolicy,
    *,
    expires_at: datetime | None,
    meta: RequestMeta,
) -> Promotion:
    auto = config.mode == WaitlistMode.AUTO_ENROLL
    booking = CLASS.hold(entry, session, policy, confirm=auto, hold_until=expires_at, meta=meta)
    if auto:
        move(entry, EntryState.BOOKED, meta=meta, reason="auto-enrolled", data={"booking": booking.reference})
        messages.enrolled(entry, booking)
        return Promotion(entry, booking, None)
    assert expires_at is not None  # offer mode: process_session stops when no expiry is left
    offer = WaitlistOffer.objects.create(
        entry=entry,
        booking=booking,
        session=session,
        client=entry.client,
        quantity=entry.party_size,
        expires_at=expires_at,
    )
    move(entry, EntryState.OFFERED, meta=meta, offer=offer, data={"expires_at": expires_at.isoformat()})
    messages.offer_made(offer)
    return Promotion(entry, booking, offer)


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
    waiting = WaitlistEntry.objects.filter(state=EntryState.WAITING, session__starts_at__lte=now)
    return close_waiting(waiting, to_state=EntryState.CLOSED, reason="class started", now=now)


def close_for_cancelled_session(*, session: ClassSession, actor: User | None = None) -> int:
    """The studio cancelled the class: the queue is closed and everyone waiting is told."""
    entries = list(WaitlistEntry.objects.filter(session=session, state=EntryState.WAITING).select_related("client"))
    for entry in entries:
        entry.session = session
        move(entry, EntryState.CLOSED, meta=ADMIN, actor=actor, reason="class cancelled")
    messages.class_cancelled(entries, session)
    return len(entries)


def position_of(entry: WaitlistEntry) -> int:
    """1 for the head of the queue."""
    ahead = WaitlistEntry.objects.filter(session_id=entry.session_id, state=EntryState.WAITING).filter(
        Q(priority__gt=entry.priority)
        | Q(priority=entry.priority, joined_at__lt=entry.joined_at)
        | Q(priority=entry.priority, joined_at=entry.joined_at, pk__lt=entry.pk)
    )
    return ahead.count() + 1


# The class kind of the one offer life cycle (waitlist.offers), under the names callers know:
# ``client_offer(client=, offer_id=)``, ``expire_offer(offer_id=, now=)``, ``expire_due_offers(now=, limit=)``.
client_offer = partial(offers.client_offer, kind=CLASS)
expire_offer = partial(offers.expire_offer, kind=CLASS)
expire_due_offers = partial(offers.expire_due_offers, kind=CLASS)
