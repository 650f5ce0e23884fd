"""Holds: class spots or a therapist's time kept for one client until a deadline.

A hold is a pending booking with ``hold_until`` set: a waitlist offer's spots, a therapy
wish offer's time (and, later, a booking waiting for its payment). Creation differs by
kind (``hold_spots`` claims spots through the same conditional claim as book_class;
``hold_time`` takes firm time through the same path as book_therapy); the rest of the
life cycle is one: ``confirm_hold`` (pending -> confirmed), ``release_hold`` (pending ->
cancelled or expired, the spots or time freed, spots_released / therapy_time_released
sent in the same transaction) and ``expire_holds`` (the sweep for holds past their
deadline). The kind-specific part is two small branches: which rows to lock and what to
give back. Who may answer a hold is one rule, ``permissions.may_answer_hold``, checked
here whoever calls; ``actor=None`` is the system.

The callers (the waitlist's offers) differ only in what happens around a hold; nothing
here knows about them. Locks follow the one order of core: a class hold's session, then
the booking; a therapy hold's booking (the caller takes the therapist first when it needs
it). The race tests pause at "hold-answer" (after a hold is found pending, before it is
written); their negative control (guard "hold" off) skips the locks (config.race).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import messages, permissions, prices, signals
from bookings.models import (
    Booking,
    BookingPolicy,
    BookingStatus,
)
from bookings.services.core import (
    PAGE,
    TASK,
    BookingError,
    NotPermitted,
    RequestMeta,
    SessionFull,
    check_bookable,
    check_client_limits,
    claim_spots,
    lock_booking,
    lock_client,
    lock_sessions,
    lock_therapist,
    lock_therapy_booking,
    log_event,
    release_spots,
    release_time,
    therapy_policy_for,
    too_many_spots,
)
from bookings.services.therapy import check_offered, duration_for, hold_occupancy, slot_taken
from bookings.transitions import Status
from config import race
from schedules.models import (
    ClassSession,
    Practitioner,
    TherapyType,
)
from schedules.slots import find_slot

# The owner of a hold ends it first, in its own words (a waitlist offer expires, tells the
# client and passes the spot on); expire_holds takes only holds still pending this long
# after their deadline, so the two sweeps never race for one hold.
OWNER_GRACE = timedelta(minutes=10)

# --- creating a hold (per kind) ----------------------------------------------------------------


def check_hold_allowed(session: ClassSession, rules: BookingPolicy, now: datetime) -> None:
    """The session-wide rules of check_bookable (state, opening, cut-off), without a party size."""
    check_bookable(session, rules, 1, now)


def hold_spots(
    *,
    client: User,
    session: ClassSession,
    quantity: int,
    rules: BookingPolicy,
    hold_until: datetime | None,
    meta: RequestMeta = TASK,
    reason: str = "",
    confirm: bool = False,
) -> Booking:
    """Claim ``quantity`` spots for ``client`` as a hold until ``hold_until``; no message is sent.

    The caller holds the session row lock (a release, or an accept) and has checked
    the session-wide rules once (check_hold_allowed). The client's row comes earlier
    in the lock order, so it is taken without waiting: ClientBusy when another action
    of the client's holds it (the caller passes them over this time). Runs in a
    savepoint, so a refused hold (busy, client limits, an active booking of this
    class, no spots) leaves the caller's transaction usable: raises BookingError /
    SessionFull, or IntegrityError for a duplicate. ``confirm`` books at once
    (confirmed, not pending, no deadline) and tells the instructor; the client's message
    is the caller's.
    """
    if not confirm and hold_until is None:
        raise ValueError("A hold needs a deadline.")
    if quantity > rules.max_party_size:
        raise BookingError(too_many_spots(rules.max_party_size))
    with transaction.atomic():
        lock_client(client, wait=False)
        check_client_limits(client, session, rules)
        booking = Booking.objects.create(
            client=client,
            class_session=session,
            status=BookingStatus.CONFIRMED if confirm else BookingStatus.PENDING,
            hold_until=None if confirm else hold_until,
            quantity=quantity,
            currency=session.currency,
            policy=rules if rules.pk else None,
            **prices.class_quote(session, quantity).snapshot(),
        )
        if not claim_spots(session.pk, quantity):
            raise SessionFull(_("This class just filled up."))
        data = {"quantity": quantity, "total": str(booking.total)}
        if booking.hold_until:
            data["hold_until"] = booking.hold_until.isoformat()
        log_event(booking, actor=None, from_status="", to_status=booking.status, meta=meta, reason=reason, data=data)
        if confirm:
            messages.booking_confirmed_for_instructor(booking)
    booking.class_session = session
    return booking


def hold_time(
    *,
    client: User,
    therapy_type: TherapyType,
    minutes: int,
    practitioner: Practitioner,
    starts_at: datetime,
    hold_until: datetime,
    reason: str = "",
    meta: RequestMeta = TASK,
    now: datetime | None = None,
) -> Booking:
    """Keep a free therapy slot for ``client`` until ``hold_until``: a pending booking with firm time.

    The same path as book_therapy (therapist lock, free-slot check, firm Occupancy); no
    message is sent (the caller tells the client why the time is kept). A caller inside
    another action's transaction takes try_lock_therapist first. Runs in a savepoint:
    a refusal (SlotTaken, BookingError) leaves the caller's transaction usable.
    """
    now = now or timezone.now()
    with transaction.atomic():
        check_offered(therapy_type, practitioner)
        duration = duration_for(therapy_type, minutes)
        cfg = lock_therapist(practitioner.pk)
        slot = find_slot(therapy_type, minutes=minutes, practitioner_id=practitioner.pk, starts_at=starts_at, now=now)
        if slot is None:
            raise slot_taken(therapy_type, minutes, practitioner.pk, starts_at, now)
        hold = hold_occupancy(cfg, slot, tentative=False)
        rules = therapy_policy_for(therapy_type.pk)
        booking = Booking.objects.create(
            client=client,
            therapy_type=therapy_type,
            practitioner=practitioner,
            starts_at=slot.start,
            ends_at=slot.end,
            location_id=slot.location_id,
            room_id=slot.room_id,
            occupancy=hold,
            status=BookingStatus.PENDING,
            hold_until=hold_until,
            quantity=1,
            currency=therapy_type.currency,
            policy=rules if rules.pk else None,
            **prices.therapy_quote(duration.price, therapy_type.pk).snapshot(),
        )
        log_event(
            booking,
            actor=None,
            from_status="",
            to_status=booking.status,
            meta=meta,
            reason=reason,
            data={"starts_at": slot.start.isoformat(), "minutes": minutes, "hold_until": hold_until.isoformat()},
        )
    booking.therapy_type, booking.practitioner = therapy_type, practitioner
    return booking


# --- the one life cycle: confirm, release, expire ----------------------------------------------


def _lock(booking: Booking) -> Booking:
    """The hold's rows in the lock order (a class hold's session, then the booking; a therapy
    hold's booking). The negative control (guard "hold" off) reads them without a lock."""
    if booking.class_session_id:
        if race.locking("hold"):
            return lock_booking(booking)
        return Booking.objects.select_related("class_session", "policy").get(pk=booking.pk)
    if race.locking("hold"):
        return lock_therapy_booking(booking)
    return Booking.objects.select_related("therapy_type", "practitioner__user", "client", "policy").get(pk=booking.pk)


def _check_may_answer(actor: User | None, booking: Booking, *, confirming: bool) -> None:
    if actor is not None and not permissions.may_answer_hold(actor, booking, confirming=confirming):
        raise NotPermitted(_("This is not your booking."))


def _still_held(booking: Booking) -> bool:
    """Pending, and (a therapy hold) its time still kept."""
    return booking.status == BookingStatus.PENDING and bool(booking.class_session_id or booking.occupancy_id)


def _give_back(booking: Booking) -> None:
    """What the hold kept goes back: a class's spots, or the therapist's (and room's) time."""
    if booking.class_session_id:
        release_spots(booking.class_session_id, booking.quantity)
    else:
        release_time(booking)


def confirm_hold(*, booking: Booking, actor: User | None, meta: RequestMeta = PAGE, reason: str = "") -> Booking:
    """A pending hold becomes a confirmed booking, keeping its spots or time; the client gets
    the usual confirmation.

    Only the hold's own client, staff who manage bookings, or the system (``actor=None``):
    NotPermitted otherwise, nothing changed. BookingError once the hold is no longer
    pending (expired, released, cancelled). The deadline itself is the offer's to enforce
    (it refuses a late accept) and expire_holds': a confirm that takes the lock first keeps
    what the hold still held.
    """
    with transaction.atomic():
        booking = _lock(booking)
        _check_may_answer(actor, booking, confirming=True)
        if not _still_held(booking):
            if booking.class_session_id:
                raise BookingError(_("This hold is no longer pending."))
            raise BookingError(_("This time is no longer kept for you."))
        race.pause("hold-answer")
        booking.status = BookingStatus.CONFIRMED
        booking.hold_until = None
        booking.save(update_fields=["status", "hold_until", "updated_at"])
        log_event(booking, actor=actor, from_status=Status.PENDING, to_status=booking.status, meta=meta, reason=reason)
        messages.booking_confirmed(booking)
    return booking


def release_hold(*, booking: Booking, to: str, actor: User | None, meta: RequestMeta = TASK, reason: str = "") -> bool:
    """A pending hold ends without a booking (``to``: expired or cancelled); its spots or time are
    freed, and spots_released / therapy_time_released is sent inside this transaction.

    Returns False (and changes nothing) when the booking is no longer pending. Only the
    hold's client, staff who manage bookings or the queue that offered it, or the system
    (``actor=None``): NotPermitted otherwise, nothing changed.
    """
    if to not in (Status.EXPIRED, Status.CANCELLED):
        raise ValueError("A hold is released as expired or cancelled.")
    with transaction.atomic():
        booking = _lock(booking)
        _check_may_answer(actor, booking, confirming=False)
        if booking.status != BookingStatus.PENDING:
            return False
        race.pause("hold-answer")
        booking.status = to
        fields = ["status", "updated_at"]
        if to == Status.CANCELLED:
            booking.cancelled_at = timezone.now()
            booking.cancel_reason = reason.strip()[:255]
            fields += ["cancelled_at", "cancel_reason"]
        booking.save(update_fields=fields)
        log_event(booking, actor=actor, from_status=Status.PENDING, to_status=to, meta=meta, reason=reason)
        _give_back(booking)
        signals.hold_released.send(sender=Booking, booking=booking, to=to)
    return True


def reclaim_hold(*, booking: Booking, meta: RequestMeta = TASK, reason: str = "") -> bool:
    """An expired hold paid for late: confirmed again if its spots or time are still free.

    The system's step (a payment that arrived after the deadline, payments' webhook);
    the caller took a therapy hold's therapist lock first. True when the booking is
    confirmed (now or already); False when what the hold kept went to someone else, or
    the hold ended otherwise (cancelled): the caller then gives the money back.
    """
    with transaction.atomic():
        booking = _lock(booking)
        if booking.status == BookingStatus.CONFIRMED:
            return True
        if booking.status != BookingStatus.EXPIRED:
            return False
        if booking.class_session_id:
            if not claim_spots(booking.class_session_id, booking.quantity):
                return False
        else:
            assert booking.practitioner_id is not None  # booking_is_class_or_therapy
            cfg = lock_therapist(booking.practitioner_id)
            slot = find_slot(
                booking.kind,
                minutes=booking.duration_minutes,
                practitioner_id=booking.practitioner_id,
                starts_at=booking.start,
                now=timezone.now(),
            )
            if slot is None:
                return False
            try:
                booking.occupancy = hold_occupancy(cfg, slot, tentative=False)
            except BookingError:
                return False
            booking.room_id, booking.location_id = slot.room_id, slot.location_id
        booking.status = BookingStatus.CONFIRMED
        booking.hold_until = None
        booking.save(update_fields=["status", "hold_until", "occupancy", "room", "location", "updated_at"])
        log_event(booking, actor=None, from_status=Status.EXPIRED, to_status=booking.status, meta=meta, reason=reason)
        messages.booking_confirmed(booking)
    return True


def expire_holds(*, now: datetime | None = None, limit: int = 500) -> int:
    """Holds of either kind still pending ``OWNER_GRACE`` after their deadline: expired through
    release_hold, their spots or time freed (the beat task). Returns how many this run expired.

    At most ``limit`` per run, oldest deadline first. Idempotent and safe on two workers:
    each hold is taken in its own transaction, in the lock order (a class hold's session,
    then the booking with SKIP LOCKED), and re-checked, so a hold being confirmed or
    expired elsewhere at that moment is left to that action.
    """
    now = now or timezone.now()
    due_by = now - OWNER_GRACE
    due = list(
        Booking.objects.filter(status=BookingStatus.PENDING, hold_until__lte=due_by)
        .order_by("hold_until")
        .values_list("pk", "class_session_id")[:limit]
    )
    expired = 0
    for pk, session_id in due:
        with transaction.atomic():
            rows = Booking.objects.filter(pk=pk, status=BookingStatus.PENDING, hold_until__lte=due_by)
            if race.locking("hold"):
                if session_id:
                    lock_sessions(session_id)
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            booking = rows.first()
            if booking is not None and release_hold(
                booking=booking, to=Status.EXPIRED, actor=None, reason="hold not confirmed in time"
            ):
                expired += 1
    return expired
