"""Booking therapy time: book_therapy (firm or as a request) and the rules it checks.
Answering requests is in therapy_requests, other times in therapy_moves, series in
series, holds in holds; cancelling goes through ``lifecycle.cancel_booking``.

Lock order, always (the project's one order, bookings.services.core): the therapist's
settings row, then the booking row. The settings
lock serialises writes to one therapist's time, so the free-slot check, the daily
and weekly limits and the write happen as one step; the exclusion constraints on
``Occupancy`` (DESIGN invariant 2) refuse an overlap even from a path that forgot
the lock. The race seam (config.race) proves the tests catch the race: guard
"therapist" off skips the lock, pause "therapy-slot" sleeps between the check and
the write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bookings import messages, prices
from bookings.models import (
    Booking,
    BookingSeries,
    BookingStatus,
)
from bookings.services.classes import check_books_for
from bookings.services.core import (
    PAGE,
    BookingError,
    RequestMeta,
    SlotTaken,
    lock_therapist,
    log_event,
    therapy_policy_for,
)
from bookings.transitions import Status
from config import race
from config.db_retry import retry_on_conflict
from schedules.availability import Slot
from schedules.models import (
    ApprovalMode,
    Occupancy,
    OccupancyKind,
    Practitioner,
    TherapistSettings,
    TherapyDuration,
    TherapyType,
)
from schedules.slots import find_slot, next_free, why_not_offered


def is_returning(client: User, practitioner_id: int) -> bool:
    """Has the client had a session with this therapist before (completed, or confirmed and past)?"""
    return Booking.objects.filter(
        client=client,
        practitioner_id=practitioner_id,
        status__in=[Status.COMPLETED, Status.CONFIRMED],
        starts_at__lt=timezone.now(),
    ).exists()


def needs_approval(cfg: TherapistSettings, *, client: User, starts_at: datetime, now: datetime) -> bool:
    """Firm or request, by the therapist's settings."""
    if cfg.approval == ApprovalMode.REQUEST:
        return True
    if cfg.approval == ApprovalMode.RETURNING_FIRM and not is_returning(client, cfg.practitioner_id):
        return True
    close = cfg.firm_min_hours_ahead is not None and starts_at - now < timedelta(hours=cfg.firm_min_hours_ahead)
    return close


def answer_due(cfg: TherapistSettings, *, starts_at: datetime, now: datetime) -> datetime:
    """When an unanswered request expires: the response time, never past the minimum notice."""
    by_notice = starts_at - timedelta(hours=cfg.min_notice_hours)
    return max(min(now + timedelta(hours=cfg.response_hours), by_notice), min(now + timedelta(minutes=30), starts_at))


def hold_occupancy(cfg: TherapistSettings, slot: Slot, *, tentative: bool) -> Occupancy:
    """Write the occupied time (buffers included); the exclusion constraints have the last word."""
    try:
        with transaction.atomic():
            return Occupancy.objects.create(
                kind=OccupancyKind.APPOINTMENT,
                practitioner_id=cfg.practitioner_id,
                room_id=slot.room_id,
                starts_at=slot.start - timedelta(minutes=cfg.buffer_before_minutes),
                ends_at=slot.end + timedelta(minutes=cfg.buffer_after_minutes),
                is_tentative=tentative,
            )
    except (IntegrityError, OperationalError) as exc:
        if not lost_race(exc):
            raise
        raise SlotTaken(_("Someone else has just taken this time.")) from None


def lost_race(exc: Exception) -> bool:
    """Did a write lose to an overlapping one (the exclusion constraints said no)?

    Two overlapping rows inserted at the same moment each wait for the other's check:
    PostgreSQL then aborts one with a deadlock error instead of an exclusion
    violation. For these one-row writes that means the same thing.
    """
    return isinstance(exc, IntegrityError) or getattr(exc.__cause__, "sqlstate", None) == "40P01"


def slot_taken(
    therapy_type: TherapyType, minutes: int, practitioner_id: int, after: datetime, now: datetime
) -> SlotTaken:
    alternatives = next_free(therapy_type, minutes=minutes, practitioner_id=practitioner_id, after=after, now=now)
    return SlotTaken(refusal_message("", ""), alternatives)


def refusal_message(why: str, name: str) -> str:
    """The one wording of a refused time, for every path (book, reschedule, series, proposals).

    ``why`` is schedules.slots.why_not_offered's answer: a time never offered is not
    "no longer free", which is kept for a time that really was taken.
    """
    if why == "hours":
        return _("That time is not in %(name)s's working hours.") % {"name": name}
    if why == "grid":
        return _("That is not a start time %(name)s offers.") % {"name": name}
    return _("This time is no longer free.")


def not_bookable(
    therapy_type: TherapyType, minutes: int, practitioner: Practitioner, starts_at: datetime, now: datetime
) -> SlotTaken:
    """Say why a time is not a free slot: never offered (outside the hours, off the grid) or taken."""
    why = why_not_offered(practitioner_id=practitioner.pk, starts_at=starts_at, minutes=minutes)
    alternatives = next_free(therapy_type, minutes=minutes, practitioner_id=practitioner.pk, after=starts_at, now=now)
    return SlotTaken(refusal_message(why, practitioner.public_name), alternatives)


def duration_for(therapy_type: TherapyType, minutes: int) -> TherapyDuration:
    try:
        return therapy_type.durations.get(minutes=minutes)
    except TherapyDuration.DoesNotExist:
        raise BookingError(_("This therapy is not offered for that length.")) from None


def check_offered(therapy_type: TherapyType, practitioner: Practitioner) -> None:
    if not therapy_type.is_active:
        raise BookingError(_("This therapy is not offered any more."))
    if not (practitioner.is_active and practitioner.is_therapist):
        raise BookingError(_("This therapist does not take bookings."))
    if not therapy_type.therapists.filter(pk=practitioner.pk).exists():
        raise BookingError(_("%(name)s does not offer %(therapy)s.") % {"name": practitioner, "therapy": therapy_type})


def _check_notice_and_window(cfg: TherapistSettings, starts_at: datetime, now: datetime) -> None:
    """Say why a time too soon or too far ahead cannot be booked (not just "not free")."""
    if starts_at - now < timedelta(hours=cfg.min_notice_hours):
        raise BookingError(
            ngettext(
                "Sessions must be booked at least %(n)d hour ahead.",
                "Sessions must be booked at least %(n)d hours ahead.",
                cfg.min_notice_hours,
            )
            % {"n": cfg.min_notice_hours}
        )
    if starts_at - now > timedelta(days=cfg.booking_window_days):
        raise BookingError(
            ngettext(
                "Sessions can be booked up to %(n)d day ahead.",
                "Sessions can be booked up to %(n)d days ahead.",
                cfg.booking_window_days,
            )
            % {"n": cfg.booking_window_days}
        )


def rules_clock(cfg: TherapistSettings, starts_at: datetime, now: datetime) -> datetime:
    """The "now" at which ``starts_at`` sits inside the notice and the window: what an override asks.

    The slot engine measures the notice and the window from the ``now`` it is given, so
    the staff override hands it an instant when both hold for this time, and nothing
    else of the therapist's calendar (hours, bookings, buffers, daily limits) changes.
    """
    latest = starts_at - timedelta(hours=cfg.min_notice_hours)
    earliest = starts_at - timedelta(days=cfg.booking_window_days)
    return max(min(now, latest), earliest)


# --- booking -------------------------------------------------------------------------------


@retry_on_conflict
def book_therapy(
    *,
    client: User,
    therapy_type: TherapyType,
    minutes: int,
    practitioner: Practitioner,
    starts_at: datetime,
    note: str = "",
    intake: dict | None = None,
    idempotency_key: str = "",
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
    series: BookingSeries | None = None,
    booked_by: User | None = None,
    override: str = "",
) -> Booking:
    """Book a session at a free slot: confirmed at once, or a request holding the time tentatively.

    ``booked_by``: staff booking for the client (the desk), who needs the role for it; the
    event names them. ``override``: their reason to book inside the therapist's notice or
    past the booking window, written into the event; the therapist's hours, other bookings
    and daily limits hold for everyone, and a time that has begun is never booked.
    Raises SlotTaken (with the next free times) when the time is not free, NotPermitted for
    a caller without the role, BookingError for any other rule. A resubmitted form (same
    idempotency key) returns the first booking.
    """
    now = now or timezone.now()
    override = override.strip()
    actor = check_books_for(client, booked_by, override)
    check_offered(therapy_type, practitioner)
    duration = duration_for(therapy_type, minutes)
    try:
        with transaction.atomic():
            return _book_locked(
                client,
                therapy_type,
                duration,
                practitioner,
                starts_at,
                note,
                intake or {},
                idempotency_key,
                meta,
                now,
                series,
                actor,
                override,
            )
    except IntegrityError:
        existing = Booking.objects.filter(client=client, idempotency_key=idempotency_key).first()
        if idempotency_key and existing:
            return existing
        raise


def _book_locked(
    client: User,
    therapy_type: TherapyType,
    duration: TherapyDuration,
    practitioner: Practitioner,
    starts_at: datetime,
    note: str,
    intake: dict,
    key: str,
    meta: RequestMeta,
    now: datetime,
    series: BookingSeries | None,
    actor: User,
    override: str,
) -> Booking:
    cfg = lock_therapist(practitioner.pk)
    if key and (existing := Booking.objects.filter(client=client, idempotency_key=key).first()):
        return existing
    if override:
        if starts_at <= now:
            raise BookingError(_("This time has already begun."))
    else:
        _check_notice_and_window(cfg, starts_at, now)
    slot = find_slot(
        therapy_type,
        minutes=duration.minutes,
        practitioner_id=practitioner.pk,
        starts_at=starts_at,
        now=rules_clock(cfg, starts_at, now) if override else now,
    )
    if slot is None:
        raise not_bookable(therapy_type, duration.minutes, practitioner, starts_at, now)
    race.pause("therapy-slot")
    request = needs_approval(cfg, client=client, starts_at=starts_at, now=now)
    try:
        hold = hold_occupancy(cfg, slot, tentative=request)
    except SlotTaken:
        # Lost to a booking the therapist's lock does not cover (another therapist's
        # in the same room): offer the next free times all the same.
        raise slot_taken(therapy_type, duration.minutes, practitioner.pk, starts_at, now) from None
    rules = therapy_policy_for(therapy_type.pk)
    # Firm time of a pay-online type is held while the client pays (payments.checkout opens
    # Stripe's page; its webhook confirms). A request is charged only once approved.
    awaits_payment = not request and series is None and therapy_type.pays_online_only
    if awaits_payment:
        status = BookingStatus.PENDING
    else:
        status = BookingStatus.REQUESTED if request else BookingStatus.CONFIRMED
    booking = Booking.objects.create(
        client=client,
        therapy_type=therapy_type,
        practitioner=practitioner,
        starts_at=slot.start,
        ends_at=slot.end,
        location_id=slot.location_id,
        room_id=slot.room_id,
        occupancy=hold,
        series=series,
        status=status,
        hold_until=now + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES) if awaits_payment else None,
        respond_by=answer_due(cfg, starts_at=slot.start, now=now) if request else None,
        quantity=1,
        currency=therapy_type.currency,
        policy=rules if rules.pk else None,
        note=note.strip(),
        intake={q: a.strip() for q, a in intake.items() if a and a.strip()},
        idempotency_key=key,
        **prices.therapy_quote(duration.price, therapy_type.pk).snapshot(),
    )
    data = {"starts_at": slot.start.isoformat(), "minutes": duration.minutes, "total": str(booking.total)}
    log_event(
        booking,
        actor=actor,
        from_status="",
        to_status=booking.status,
        meta=meta,
        reason=override and _("Booked past the rules: %(reason)s") % {"reason": override},
        data=data | {"override": override} if override else data,
    )
    booking.practitioner = practitioner
    booking.therapy_type = therapy_type
    if request:
        messages.therapy_requested(booking)
    elif not awaits_payment:
        messages.booking_confirmed(booking)
    return booking


# --- answering requests ----------------------------------------------------------------------
