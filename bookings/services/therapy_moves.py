"""Other times for a therapy session: proposals, accepting one, reschedule, therapist cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bookings import messages, permissions
from bookings.models import (
    Booking,
    BookingStatus,
    ProposalKind,
    ProposalState,
    TimeProposal,
)
from bookings.services.core import (
    MAX_PROPOSALS,
    PAGE,
    BookingError,
    RequestMeta,
    lock_therapist,
    lock_therapy_booking,
    log_event,
)
from bookings.services.lifecycle import cancel_booking
from bookings.services.therapy import hold_occupancy, not_bookable, refusal_message
from bookings.services.therapy_requests import check_therapist_booking
from bookings.signals import therapy_time_released
from bookings.transitions import Status
from schedules.availability import Slot
from schedules.models import (
    Occupancy,
    TherapistSettings,
)
from schedules.slots import find_slot, settings_for, why_not_offered

# --- other times --------------------------------------------------------------------------


def propose_times(
    *,
    booking: Booking,
    actor: User,
    starts: list[datetime],
    message: str = "",
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
) -> list[TimeProposal]:
    """Offer up to three other times: alternatives to a request, or a new time for a confirmed session.

    Each time must be free now (the booking's own hold does not count against it);
    proposals do not hold time, so acceptance checks again.
    """
    check_therapist_booking(booking, actor)
    now = now or timezone.now()
    starts = sorted(set(starts))
    if not 1 <= len(starts) <= MAX_PROPOSALS:
        raise BookingError(_("Suggest between one and three times."))
    with transaction.atomic():
        lock_therapist(booking.practitioner_id)
        booking = lock_therapy_booking(booking)
        if booking.status not in (Status.REQUESTED, Status.CONFIRMED):
            raise BookingError(_("This session can no longer be moved."))
        for start in starts:
            if start == booking.starts_at:
                raise BookingError(_("Suggest a time other than the current one."))
            if not _free_for(booking, start, now):
                why = why_not_offered(
                    practitioner_id=booking.practitioner_id, starts_at=start, minutes=booking.duration_minutes
                )
                raise BookingError(
                    _("%(when)s: %(why)s")
                    % {
                        "when": _local_label(start, booking),
                        "why": refusal_message(why, booking.practitioner.public_name),
                    }
                )
        TimeProposal.objects.filter(booking=booking, state=ProposalState.OPEN).update(state=ProposalState.WITHDRAWN)
        kind = ProposalKind.ALTERNATIVE if booking.status == Status.REQUESTED else ProposalKind.NEW_TIME
        proposals = TimeProposal.objects.bulk_create(
            [
                TimeProposal(
                    booking=booking,
                    kind=kind,
                    starts_at=start,
                    ends_at=start + (booking.ends_at - booking.starts_at),
                    message=message.strip()[:255],
                    created_by=actor,
                )
                for start in starts
            ]
        )
        log_event(
            booking,
            actor=actor,
            from_status=booking.status,
            to_status=booking.status,
            meta=meta,
            reason="times proposed",
            data={"times": [s.isoformat() for s in starts]},
        )
        messages.times_proposed(booking, proposals)
        return proposals


def _free_for(booking: Booking, start: datetime, now: datetime) -> Slot | None:
    return find_slot(
        booking.therapy_type,
        minutes=booking.duration_minutes,
        practitioner_id=booking.practitioner_id,
        starts_at=start,
        now=now,
        ignore_occupancy_ids=[booking.occupancy_id] if booking.occupancy_id else [],
    )


def _local_label(start: datetime, booking: Booking) -> str:
    zone = settings_for(booking.practitioner_id).zone
    return timezone.localtime(start, zone).strftime("%a %d %b %H:%M")


@transaction.atomic
def accept_proposal(
    *, proposal: TimeProposal, client: User, meta: RequestMeta = PAGE, now: datetime | None = None
) -> Booking:
    """The client takes a proposed time with one click: the booking moves there, confirmed.

    The first accepted proposal of a booking wins (a conditional update decides); the
    others are withdrawn.
    """
    now = now or timezone.now()
    booking = proposal.booking
    if booking.client_id != client.pk:
        raise BookingError(_("This is not your booking."))
    cfg = lock_therapist(booking.practitioner_id)
    booking = lock_therapy_booking(booking)
    claimed = TimeProposal.objects.filter(pk=proposal.pk, booking=booking, state=ProposalState.OPEN).update(
        state=ProposalState.ACCEPTED
    )
    if not claimed:
        raise BookingError(_("This proposal is no longer open."))
    if booking.status not in (Status.REQUESTED, Status.CONFIRMED):
        raise BookingError(_("This booking is no longer active."))
    slot = _free_for(booking, proposal.starts_at, now)
    if slot is None:
        raise not_bookable(
            booking.therapy_type, booking.duration_minutes, booking.practitioner, proposal.starts_at, now
        )
    was = booking.status
    _move(booking, cfg, slot, actor=client, meta=meta, reason="proposal accepted", confirm=True)
    TimeProposal.objects.filter(booking=booking, state=ProposalState.OPEN).update(state=ProposalState.WITHDRAWN)
    if was == Status.REQUESTED:
        messages.booking_confirmed(booking)
    else:
        messages.booking_changed(booking)
    return booking


def _move(
    booking: Booking,
    cfg: TherapistSettings,
    slot: Slot,
    *,
    actor: User | None,
    meta: RequestMeta,
    reason: str,
    confirm: bool = False,
) -> None:
    """Free the old time and take the new one in this transaction; the history keeps both."""
    old = {"starts_at": booking.starts_at.isoformat(), "room_id": booking.room_id, "status": booking.status}
    old_status = booking.status
    if booking.occupancy_id:
        Occupancy.objects.filter(pk=booking.occupancy_id).delete()
    tentative = booking.status == Status.REQUESTED and not confirm
    hold = hold_occupancy(cfg, slot, tentative=tentative)
    booking.occupancy = hold
    booking.starts_at, booking.ends_at = slot.start, slot.end
    booking.location_id, booking.room_id = slot.location_id, slot.room_id
    if confirm and booking.status == Status.REQUESTED:
        booking.status = BookingStatus.CONFIRMED
        booking.respond_by = None
    booking.ics_sequence += 1
    booking.save(
        update_fields=[
            "occupancy",
            "starts_at",
            "ends_at",
            "location",
            "room",
            "status",
            "respond_by",
            "ics_sequence",
            "updated_at",
        ]
    )
    # The old time is free now: the waitlist may offer it (same transaction, like a cancellation).
    therapy_time_released.send(
        sender=Booking,
        practitioner_id=booking.practitioner_id,
        starts_at=datetime.fromisoformat(old["starts_at"]),
        ends_at=datetime.fromisoformat(old["starts_at"]) + (slot.end - slot.start),
    )
    log_event(
        booking,
        actor=actor,
        from_status=old_status,
        to_status=booking.status,
        meta=meta,
        reason=reason,
        data={"from": old, "to": {"starts_at": slot.start.isoformat(), "room_id": slot.room_id}},
    )


@transaction.atomic
def reschedule(
    *,
    booking: Booking,
    starts_at: datetime,
    actor: User,
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
) -> Booking:
    """Move a confirmed session to another free slot: the old time frees, the new one is taken.

    A client may do it up to the therapist's minimum notice before the current start
    (the same notice the new time must respect); the therapist and staff at any time.
    """
    now = now or timezone.now()
    cfg = lock_therapist(booking.practitioner_id)
    booking = lock_therapy_booking(booking)
    by_client = booking.client_id == actor.pk and not permissions.manages_bookings(actor)
    if not by_client:
        check_therapist_booking(booking, actor)
    if booking.status != Status.CONFIRMED:
        raise BookingError(_("Only confirmed sessions can be moved."))
    if by_client and booking.starts_at - now < timedelta(hours=cfg.min_notice_hours):
        raise BookingError(
            ngettext(
                "Sessions can be moved up to %(n)d hour before they start.",
                "Sessions can be moved up to %(n)d hours before they start.",
                cfg.min_notice_hours,
            )
            % {"n": cfg.min_notice_hours}
        )
    if starts_at == booking.starts_at:
        raise BookingError(_("That is the session's current time."))
    slot = _free_for(booking, starts_at, now)
    if slot is None:
        raise not_bookable(booking.therapy_type, booking.duration_minutes, booking.practitioner, starts_at, now)
    _move(booking, cfg, slot, actor=actor, meta=meta, reason="rescheduled")
    TimeProposal.objects.filter(booking=booking, state=ProposalState.OPEN).update(state=ProposalState.WITHDRAWN)
    messages.booking_changed(booking)
    return booking


def therapist_cancel(*, booking: Booking, actor: User, reason: str, meta: RequestMeta = PAGE) -> Booking:
    """The therapist cancels: a reason is required, the client gets everything back and pays no fee."""
    check_therapist_booking(booking, actor)
    if not reason.strip():
        raise BookingError(_("Tell the client why."))
    cancel_booking(booking=booking, actor=actor, reason=reason, meta=meta, by_studio=True)
    booking.refresh_from_db()
    return booking


# --- series ----------------------------------------------------------------------------------
