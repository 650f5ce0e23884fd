"""A booking's life after it is made: cancel (with the policy preview), status changes,
check-in, cancelling a whole session, moving a booking, repairing counters."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import messages, permissions, prices
from bookings import policy as policy_rules
from bookings.models import Booking, BookingPolicy, BookingStatus
from bookings.services.core import (
    ADMIN,
    PAGE,
    BookingError,
    NotPermitted,
    RequestMeta,
    SessionFull,
    check_bookable,
    claim_spots,
    lock_booking,
    lock_sessions,
    log_event,
    policy_for,
    release_spots,
    release_time,
    therapy_policy_for,
)
from bookings.services.holds import confirm_hold, release_hold
from bookings.signals import refund_due
from bookings.transitions import ACTIVE_VALUES, IllegalTransition, Status, check_transition
from config.db_retry import retry_on_conflict
from schedules.cache import bump_timetable_version
from schedules.models import ClassSession


def policy_in_force(booking: Booking) -> BookingPolicy:
    """The policy a booking is cancelled under: the one it was made under, else today's."""
    if booking.policy_id:
        return booking.policy
    if booking.is_therapy:
        return therapy_policy_for(booking.therapy_type_id)
    return policy_for(booking.class_session.class_type_id)


def policy_summary(booking: Booking) -> str:
    """The cancellation policy in words, for the cancel page."""
    return policy_rules.describe(policy_in_force(booking).terms(), currency=booking.currency)


def cancellation_preview(
    booking: Booking, *, now: datetime | None = None, waive_fee: bool = False
) -> policy_rules.CancellationOutcome:
    """What cancelling now would give back and cost, by the policy in force at booking time."""
    return policy_rules.cancellation_outcome(
        policy_in_force(booking).terms(),
        paid=booking.amount_paid - booking.amount_refunded - booking.amount_refund_pending,
        total=booking.total,
        now=now or timezone.now(),
        starts_at=booking.start,
        waive_fee=waive_fee,
    )


@retry_on_conflict
@transaction.atomic
def cancel_booking(
    *,
    booking: Booking,
    actor: User | None,
    reason: str = "",
    meta: RequestMeta = PAGE,
    waive_fee: bool = False,
    by_studio: bool = False,
    now: datetime | None = None,
) -> policy_rules.CancellationOutcome:
    """Cancel and release the spots in the same transaction.

    The refund follows the policy in force at booking time; a cancellation by the
    studio (``by_studio``) refunds everything and charges nothing. ``actor=None`` is
    the system; a person must be the client, the session's therapist, or staff who
    manage bookings (bookings.permissions), checked here so no page or admin action
    can skip it.
    """
    booking = lock_booking(booking)
    if actor is not None and not permissions.may_cancel(actor, booking):
        raise NotPermitted(_("You may not cancel this booking."))
    return _cancel_locked(
        booking, actor=actor, reason=reason, meta=meta, waive_fee=waive_fee, by_studio=by_studio, now=now
    )


def _cancel_locked(
    booking: Booking,
    *,
    actor: User | None,
    reason: str,
    meta: RequestMeta,
    waive_fee: bool,
    by_studio: bool,
    now: datetime | None,
) -> policy_rules.CancellationOutcome:
    """cancel_booking() after the lock and the permission check."""
    try:
        check_transition(booking.status, Status.CANCELLED)
    except IllegalTransition:
        raise BookingError(_("This booking can no longer be cancelled.")) from None
    now = now or timezone.now()
    if by_studio:
        outcome = policy_rules.full_refund(
            paid=booking.amount_paid - booking.amount_refunded - booking.amount_refund_pending
        )
    else:
        outcome = cancellation_preview(booking, now=now, waive_fee=waive_fee)
    old = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason.strip()[:255]
    booking.fee_charged = outcome.fee
    booking.ics_sequence += 1
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancel_reason",
            "fee_charged",
            "ics_sequence",
            "updated_at",
        ]
    )
    log_event(
        booking,
        actor=actor,
        from_status=old,
        to_status=booking.status,
        meta=meta,
        reason=reason,
        data={
            "refund": str(outcome.refund),
            "fee": str(outcome.fee),
            "refund_percent": str(outcome.refund_percent),
            "by_studio": by_studio,
            "fee_waived": waive_fee,
        },
    )
    if outcome.refund > 0:
        # The money itself is the ledger's (payments records the refund owed): bookings
        # only says how much the policy gives back.
        refund_due.send(sender=Booking, booking=booking, amount=outcome.refund, actor=actor, meta=meta, reason=reason)
    if booking.class_session_id:
        release_spots(booking.class_session_id, booking.quantity)
    release_time(booking)
    messages.booking_cancelled(booking, refund=outcome.refund, fee=outcome.fee, by_studio=by_studio, reason=reason)
    return outcome


@transaction.atomic
def set_status(
    *,
    booking: Booking,
    to: str,
    actor: User | None,
    reason: str = "",
    meta: RequestMeta = ADMIN,
) -> Booking:
    """Confirm, complete or mark a no-show (cancelling has its own action).

    Staff who manage bookings, or the therapist for their own session; ``actor=None``
    is the system. A pending hold is confirmed or expired by the hold life cycle
    (holds.confirm_hold / release_hold), whose owner rule applies as well.
    """
    if to == Status.CANCELLED:
        raise ValueError("Use cancel_booking() to cancel.")
    booking = lock_booking(booking)
    if actor is not None and not permissions.may_set_status(actor, booking):
        raise NotPermitted(_("You may not change this booking."))
    if booking.status == Status.PENDING and to in (Status.CONFIRMED, Status.EXPIRED):
        # A hold leaves "pending" through its one life cycle: the client is told, the
        # deadline cleared, an expiry gives the spots or time back.
        if to == Status.CONFIRMED:
            return confirm_hold(booking=booking, actor=actor, meta=meta, reason=reason)
        release_hold(booking=booking, to=to, actor=actor, meta=meta, reason=reason)
        return lock_booking(booking)
    try:
        check_transition(booking.status, to)
    except IllegalTransition as exc:
        raise BookingError(str(exc)) from None
    old = booking.status
    booking.status = to
    fields = ["status", "updated_at"]
    if to == Status.NO_SHOW and booking.policy_id:
        booking.fee_charged = booking.policy.no_show_fee
        fields.append("fee_charged")
    if to in (Status.EXPIRED, Status.DECLINED):
        if booking.class_session_id:
            release_spots(booking.class_session_id, booking.quantity)
        release_time(booking)
    booking.save(update_fields=fields)
    log_event(booking, actor=actor, from_status=old, to_status=to, meta=meta, reason=reason)
    return booking


@transaction.atomic
def set_checked_in(*, booking: Booking, checked_in: bool, actor: User | None, meta: RequestMeta = ADMIN) -> Booking:
    """Attendance at the door; undoable until the booking is completed or marked a no-show.

    Staff and the session's instructor (a substitute is the session's instructor) may;
    ``actor=None`` is the system. Checked after the lock, so a substitution committed
    meanwhile is the one that counts.
    """
    booking = lock_booking(booking)
    teacher = booking.class_session.instructor_id if booking.class_session_id else booking.practitioner_id
    if actor is not None and not permissions.may_take_attendance(actor, instructor_id=teacher):
        raise NotPermitted(_("Only the instructor of this class or studio staff can check clients in."))
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingError(_("Only confirmed bookings can be checked in."))
    if bool(booking.checked_in_at) == checked_in:
        return booking
    booking.checked_in_at = timezone.now() if checked_in else None
    booking.save(update_fields=["checked_in_at", "updated_at"])
    log_event(
        booking,
        actor=actor,
        from_status=booking.status,
        to_status=booking.status,
        meta=meta,
        reason="checked in" if checked_in else "check-in undone",
    )
    return booking


def cancel_all_for_session(*, session: ClassSession, reason: str, actor: User | None, meta: RequestMeta = ADMIN) -> int:
    """The studio cancelled a class: every active booking, full refund, no fee.

    Called inside the class's cancellation (schedules.services.cancel_class_session),
    which checked the actor's permission to cancel the class: cancelling its bookings
    is part of that one decision, so the bookings' own check is not asked again.
    """
    bookings = list(Booking.objects.filter(class_session=session, status__in=ACTIVE_VALUES))
    for booking in bookings:
        with transaction.atomic():
            _cancel_locked(
                lock_booking(booking), actor=actor, reason=reason, meta=meta, waive_fee=False, by_studio=True, now=None
            )
    return len(bookings)


@transaction.atomic
def repair_counters(drift) -> None:
    """Set drifted counters to what the bookings hold (after a manual database edit)."""
    for row in drift:
        ClassSession.objects.filter(pk=row.session_id).update(spots_taken=row.booked)
    bump_timetable_version()


@retry_on_conflict
@transaction.atomic
def change_booking(
    *,
    booking: Booking,
    actor: User | None,
    session_id: int | None = None,
    quantity: int | None = None,
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
) -> Booking:
    """Move a booking to another session of the same class type and/or change its party size.

    One transaction frees and claims the spots (sessions locked in id order, then the
    booking), re-prices at the target session's price, tells the waitlist about freed
    spots, and logs old and new values.
    """
    now = now or timezone.now()
    current = Booking.objects.select_related("class_session").get(pk=booking.pk)
    old_session = current.class_session
    target_id = session_id or old_session.pk
    new_quantity = current.quantity if quantity is None else quantity
    lock_sessions(old_session.pk, target_id)
    booking = Booking.objects.select_for_update(of=("self",)).select_related("class_session").get(pk=booking.pk)
    if actor is not None and not permissions.may_change(actor, booking):
        raise NotPermitted(_("You may not change this booking."))
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingError(_("Only confirmed bookings can be changed."))
    if old_session.starts_at <= now:
        raise BookingError(_("This class has already started."))
    try:
        target = ClassSession.objects.select_related("class_type", "location").get(pk=target_id)
    except ClassSession.DoesNotExist:
        raise BookingError(_("This class does not exist.")) from None
    if target.class_type_id != old_session.class_type_id:
        raise BookingError(_("A booking can only move to another date of the same class."))
    if target.pk == old_session.pk and new_quantity == booking.quantity:
        raise BookingError(_("Nothing to change."))
    rules = booking.policy or policy_for(target.class_type_id)
    check_bookable(target, rules, new_quantity, now)
    if (
        target.pk != old_session.pk
        and Booking.objects.filter(client=booking.client_id, class_session=target, status__in=ACTIVE_VALUES).exists()
    ):
        raise BookingError(_("You already have a booking for that class."))

    old = {"session": old_session.pk, "quantity": booking.quantity, "total": str(booking.total)}
    if target.pk == old_session.pk:
        delta = new_quantity - booking.quantity
        if delta > 0 and not claim_spots(target.pk, delta):
            raise SessionFull(_("There are not enough free spots for that many people."))
        if delta < 0:
            release_spots(target.pk, -delta)
    else:
        if not claim_spots(target.pk, new_quantity):
            raise SessionFull(_("That class does not have enough free spots."))
        release_spots(old_session.pk, booking.quantity)
    booking.class_session = target
    booking.quantity = new_quantity
    for name, value in prices.class_quote(target, new_quantity).snapshot().items():
        setattr(booking, name, value)
    booking.currency = target.currency
    booking.ics_sequence += 1
    booking.save(
        update_fields=[
            "class_session",
            "quantity",
            "unit_price",
            "discount",
            "tax",
            "total",
            "currency",
            "ics_sequence",
            "updated_at",
        ]
    )
    new = {"session": target.pk, "quantity": new_quantity, "total": str(booking.total)}
    log_event(
        booking,
        actor=actor,
        from_status=booking.status,
        to_status=booking.status,
        meta=meta,
        reason="changed",
        data={"old": old, "new": new},
    )
    messages.booking_changed(booking)
    return booking
