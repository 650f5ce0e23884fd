"""Answering therapy requests: approve, decline, expire (lock order as in core)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import messages, permissions, signals
from bookings.models import (
    Booking,
    BookingStatus,
    ProposalState,
    TimeProposal,
)
from bookings.services.core import (
    PAGE,
    TASK,
    BookingError,
    RequestMeta,
    SlotTaken,
    lock_therapist,
    lock_therapy_booking,
    log_event,
    release_time,
)
from bookings.services.therapy import lost_race, slot_taken
from bookings.transitions import IllegalTransition, Status, check_transition
from config import race
from schedules.models import (
    Occupancy,
)

# --- answering requests ----------------------------------------------------------------------


def check_therapist_booking(booking: Booking, actor: User) -> None:
    """Only the session's own therapist (or staff who manage bookings) answers for it."""
    if permissions.manages_bookings(actor):
        return
    if getattr(getattr(actor, "practitioner", None), "pk", None) != booking.practitioner_id:
        raise BookingError(_("This is not one of your sessions."))


@transaction.atomic
def approve_request(*, booking: Booking, actor: User, meta: RequestMeta = PAGE) -> Booking:
    """Confirm a request: its tentative hold becomes firm, or SlotTaken if another session got there."""
    check_therapist_booking(booking, actor)
    lock_therapist(booking.practitioner_id)
    booking = lock_therapy_booking(booking)
    try:
        check_transition(booking.status, Status.CONFIRMED)
    except IllegalTransition:
        raise BookingError(_("This request has already been answered.")) from None
    if booking.status != Status.REQUESTED:
        raise BookingError(_("This request has already been answered."))
    race.pause("therapy-slot")
    taken = _taken_since(booking)
    if taken:
        raise taken
    try:
        with transaction.atomic():
            # Firm time may overlap no tentative hold (migration 0005), so the request
            # approved first takes the time from overlapping requests: their holds go,
            # they stay requests, and approving one of them later raises SlotTaken.
            hold = Occupancy.objects.get(pk=booking.occupancy_id)
            _overlapping_holds(hold).delete()
            Occupancy.objects.filter(pk=hold.pk).update(is_tentative=False)
    except (IntegrityError, OperationalError) as exc:
        if not lost_race(exc):
            raise
        raise _taken_since(booking, always=True) from None
    if booking.kind.pays_online_only:
        # Charged only once approved: the firm time is held while the client pays through
        # the link payments sends (hold_awaits_payment); unpaid, the hold expires.
        booking.status = BookingStatus.PENDING
        booking.hold_until = timezone.now() + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)
    else:
        booking.status = BookingStatus.CONFIRMED
    booking.respond_by = None
    booking.ics_sequence += 1
    booking.save(update_fields=["status", "respond_by", "hold_until", "ics_sequence", "updated_at"])
    log_event(
        booking, actor=actor, from_status=Status.REQUESTED, to_status=booking.status, meta=meta, reason="approved"
    )
    if booking.status == BookingStatus.PENDING:
        signals.hold_awaits_payment.send(sender=Booking, booking=booking)
    else:
        messages.booking_confirmed(booking)
    return booking


def _taken_since(booking: Booking, *, always: bool = False) -> SlotTaken | None:
    """SlotTaken for a request whose hold another approval took away (or ``always``)."""
    if booking.occupancy_id and not always:
        return None
    return slot_taken(
        booking.therapy_type, booking.duration_minutes, booking.practitioner_id, booking.starts_at, timezone.now()
    )


def _overlapping_holds(hold: Occupancy):
    """Other tentative holds on the same therapist or room that overlap ``hold``."""
    same = Q(practitioner_id=hold.practitioner_id)
    if hold.room_id:
        same |= Q(room_id=hold.room_id)
    return Occupancy.objects.filter(
        same, is_tentative=True, starts_at__lt=hold.ends_at, ends_at__gt=hold.starts_at
    ).exclude(pk=hold.pk)


@transaction.atomic
def decline_request(*, booking: Booking, actor: User, reason: str, meta: RequestMeta = PAGE) -> Booking:
    """Say no (with a reason the client reads); the tentative hold is freed."""
    check_therapist_booking(booking, actor)
    if not reason.strip():
        raise BookingError(_("Tell the client why."))
    lock_therapist(booking.practitioner_id)
    booking = lock_therapy_booking(booking)
    if booking.status != Status.REQUESTED:
        raise BookingError(_("This request has already been answered."))
    _end_request(booking, to=Status.DECLINED, actor=actor, reason=reason.strip()[:255], meta=meta)
    messages.request_declined(booking, reason=booking.cancel_reason)
    return booking


def _end_request(booking: Booking, *, to: str, actor: User | None, reason: str, meta: RequestMeta) -> None:
    old = booking.status
    booking.status = to
    booking.cancel_reason = reason
    booking.ics_sequence += 1
    booking.save(update_fields=["status", "cancel_reason", "ics_sequence", "updated_at"])
    TimeProposal.objects.filter(booking=booking, state=ProposalState.OPEN).update(state=ProposalState.WITHDRAWN)
    release_time(booking)
    log_event(booking, actor=actor, from_status=old, to_status=to, meta=meta, reason=reason)


def expire_requests(*, now: datetime | None = None, limit: int = 500) -> int:
    """Requests nobody answered in time: expired, hold freed, client told. Idempotent.

    Each request is taken with SKIP LOCKED and re-checked, so two workers (or a run
    that overlaps the next) never expire one twice.
    """
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(status=BookingStatus.REQUESTED, respond_by__lte=now)
        .order_by("respond_by")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("therapy_type", "practitioner__user", "client", "location", "room")
                .filter(pk=pk, status=BookingStatus.REQUESTED, respond_by__lte=now)
                .first()
            )
            if booking is None:
                continue
            _end_request(booking, to=Status.EXPIRED, actor=None, reason="no answer in time", meta=TASK)
            messages.request_expired(booking)
            expired += 1
    return expired


# --- other times --------------------------------------------------------------------------
