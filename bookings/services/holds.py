"""Holds: spots or therapy time kept for a client who has not said yes yet."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import messages, permissions
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
    lock_therapist,
    lock_therapy_booking,
    log_event,
    price_snapshot,
    release_spots,
    release_time,
    therapy_policy_for,
    too_many_spots,
)
from bookings.services.therapy import check_offered, duration_for, hold_occupancy, slot_taken
from bookings.transitions import Status
from schedules.models import (
    ClassSession,
    Practitioner,
    TherapyType,
)
from schedules.slots import find_slot

# --- holds (the waitlist's offers) ----------------------------------------------------------
#
# A hold is a pending booking: it takes the spots through the same conditional claim as
# book_class, so the counter, the check constraint and the events stay right, and it is
# either confirmed (the client accepted) or released (expired, declined). The waitlist
# calls these inside its own transactions; nothing here knows about the waitlist.


def check_hold_allowed(session: ClassSession, rules: BookingPolicy, now: datetime) -> None:
    """The session-wide rules of check_bookable (state, opening, cut-off), without a party size."""
    check_bookable(session, rules, 1, now)


def hold_spots(
    *,
    client: User,
    session: ClassSession,
    quantity: int,
    rules: BookingPolicy,
    meta: RequestMeta = TASK,
    reason: str = "",
    confirm: bool = False,
) -> Booking:
    """Claim ``quantity`` spots for ``client`` as a pending booking (a hold); no message is sent.

    The caller holds the session row lock (a release, or an accept) and has checked
    the session-wide rules once (check_hold_allowed). The client's row comes earlier
    in the lock order, so it is taken without waiting: ClientBusy when another action
    of the client's holds it (the caller passes them over this time). Runs in a
    savepoint, so a refused hold (busy, client limits, an active booking of this
    class, no spots) leaves the caller's transaction usable: raises BookingError /
    SessionFull, or IntegrityError for a duplicate. ``confirm`` books at once
    (confirmed, not pending) and tells the instructor; the client's message is the caller's.
    """
    if quantity > rules.max_party_size:
        raise BookingError(too_many_spots(rules.max_party_size))
    with transaction.atomic():
        lock_client(client, wait=False)
        check_client_limits(client, session, rules)
        booking = Booking.objects.create(
            client=client,
            class_session=session,
            status=BookingStatus.CONFIRMED if confirm else BookingStatus.PENDING,
            quantity=quantity,
            currency=session.currency,
            policy=rules if rules.pk else None,
            **price_snapshot(session.price, quantity),
        )
        if not claim_spots(session.pk, quantity):
            raise SessionFull(_("This class just filled up."))
        log_event(
            booking,
            actor=None,
            from_status="",
            to_status=booking.status,
            meta=meta,
            reason=reason,
            data={"quantity": quantity, "total": str(booking.total)},
        )
        if confirm:
            messages.booking_confirmed_for_instructor(booking)
    booking.class_session = session
    return booking


def confirm_hold(*, booking: Booking, actor: User | None, meta: RequestMeta = PAGE, reason: str = "") -> Booking:
    """A pending hold becomes a confirmed booking; the client gets the usual confirmation.

    Locks the session, then the booking (the fixed order). Only the hold's own client,
    staff who manage bookings, or the system (``actor=None``): NotPermitted otherwise,
    nothing changed. Raises BookingError when the booking is no longer pending
    (expired, cancelled).
    """
    with transaction.atomic():
        booking = lock_booking(booking)
        if actor is not None and not permissions.may_confirm_hold(actor, booking):
            raise NotPermitted(_("This is not your booking."))
        if booking.status != BookingStatus.PENDING:
            raise BookingError(_("This hold is no longer pending."))
        booking.status = BookingStatus.CONFIRMED
        booking.save(update_fields=["status", "updated_at"])
        log_event(booking, actor=actor, from_status=Status.PENDING, to_status=booking.status, meta=meta, reason=reason)
        messages.booking_confirmed(booking)
    return booking


def release_hold(*, booking: Booking, to: str, actor: User | None, meta: RequestMeta = TASK, reason: str = "") -> bool:
    """A pending hold ends without a booking (``to``: expired or cancelled) and its spots are freed.

    The release sends spots_released like any other, inside this transaction. Returns
    False (and changes nothing) when the booking is no longer pending. Only the hold's
    client, staff (bookings' or the waitlist's), or the system (``actor=None``):
    NotPermitted otherwise, nothing changed.
    """
    if to not in (Status.EXPIRED, Status.CANCELLED):
        raise ValueError("A hold is released as expired or cancelled.")
    with transaction.atomic():
        booking = lock_booking(booking)
        if actor is not None and not permissions.may_release_hold(actor, booking):
            raise NotPermitted(_("This is not your booking."))
        if booking.status != BookingStatus.PENDING:
            return False
        booking.status = to
        fields = ["status", "updated_at"]
        if to == Status.CANCELLED:
            booking.cancelled_at = timezone.now()
            booking.cancel_reason = reason.strip()[:255]
            fields += ["cancelled_at", "cancel_reason"]
        booking.save(update_fields=fields)
        log_event(booking, actor=actor, from_status=Status.PENDING, to_status=to, meta=meta, reason=reason)
        if booking.class_session_id:
            release_spots(booking.class_session_id, booking.quantity)
    return True


# --- holds (a time kept for a client who has not said yes yet) ------------------------------
#
# A hold is a therapy booking in status ``pending`` with firm time in Occupancy and
# ``respond_by`` set to when it lapses. The waitlist offers wished-for times this way:
# the time is the client's until they confirm it, or it is released (expired or
# declined), which frees it and sends therapy_time_released like any other release.
# Class holds (pending bookings of a class session) are never touched here.


def hold_slot(
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
    """Keep a free slot for ``client`` until ``hold_until``: a pending booking with firm time.

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
            respond_by=hold_until,
            quantity=1,
            currency=therapy_type.currency,
            policy=rules if rules.pk else None,
            **price_snapshot(duration.price, 1),
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


def _lock_hold(booking: Booking) -> Booking:
    locked = lock_therapy_booking(booking)
    if not locked.therapy_type_id:
        raise ValueError("Not a therapy booking.")
    return locked


def confirm_therapy_hold(*, booking: Booking, client: User, meta: RequestMeta = PAGE, reason: str = "") -> Booking:
    """The client takes the time kept for them: pending -> confirmed, same Occupancy (made firm
    when it was taken). Only the booking's own client; BookingError once it is no longer pending."""
    with transaction.atomic():
        booking = _lock_hold(booking)
        if booking.client_id != client.pk:
            raise BookingError(_("This is not your booking."))
        if booking.status != Status.PENDING or not booking.occupancy_id:
            raise BookingError(_("This time is no longer kept for you."))
        booking.status = BookingStatus.CONFIRMED
        booking.respond_by = None
        booking.save(update_fields=["status", "respond_by", "updated_at"])
        log_event(booking, actor=client, from_status=Status.PENDING, to_status=booking.status, meta=meta, reason=reason)
        messages.booking_confirmed(booking)
    return booking


def release_therapy_hold(
    *, booking: Booking, to: str, actor: User | None, meta: RequestMeta = TASK, reason: str = ""
) -> bool:
    """A kept time ends without a booking (``to``: expired or cancelled): the time is freed and
    therapy_time_released is sent, in this transaction. False (nothing changed) when the
    booking is no longer pending."""
    if to not in (Status.EXPIRED, Status.CANCELLED):
        raise ValueError("A hold is released as expired or cancelled.")
    with transaction.atomic():
        booking = _lock_hold(booking)
        if booking.status != Status.PENDING:
            return False
        booking.status = to
        fields = ["status", "updated_at"]
        if to == Status.CANCELLED:
            booking.cancelled_at = timezone.now()
            booking.cancel_reason = reason.strip()[:255]
            fields += ["cancelled_at", "cancel_reason"]
        booking.save(update_fields=fields)
        log_event(booking, actor=actor, from_status=Status.PENDING, to_status=to, meta=meta, reason=reason)
        release_time(booking)
    return True


def expire_therapy_holds(*, now: datetime | None = None, grace: timedelta = timedelta(0), limit: int = 500) -> int:
    """Therapy holds past their ``respond_by`` (+ ``grace``) that nobody released: expired, time
    freed. A safety net for the owner of the hold (the waitlist expires its own offers
    first). Idempotent: each row is taken with SKIP LOCKED and re-checked."""
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(
            status=BookingStatus.PENDING, therapy_type__isnull=False, respond_by__lte=now - grace
        ).values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status=BookingStatus.PENDING, therapy_type__isnull=False, respond_by__lte=now - grace)
                .first()
            )
            if booking is not None and release_therapy_hold(
                booking=booking, to=Status.EXPIRED, actor=None, reason="hold not confirmed in time"
            ):
                expired += 1
    return expired
