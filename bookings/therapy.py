"""Domain actions on therapy sessions: book (firm or as a request), answer requests,
propose and accept other times, reschedule, book a series, expire requests.

Cancelling goes through ``services.cancel_booking`` like a class booking.

Lock order, always (the project's one order, bookings.services): the therapist's
settings row, then the booking row. The settings
lock serialises writes to one therapist's time, so the free-slot check, the daily
and weekly limits and the write happen as one step; the exclusion constraints on
``Occupancy`` (DESIGN invariant 2) refuse an overlap even from a path that forgot
the lock. The race seam (config.race) proves the tests catch the race: guard
"therapist" off skips the lock, pause "therapy-slot" sleeps between the check and
the write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bookings import messages, permissions
from bookings.models import (
    Booking,
    BookingSeries,
    BookingStatus,
    ProposalKind,
    ProposalState,
    TimeProposal,
)
from bookings.services import (
    TASK,
    BookingError,
    RequestMeta,
    _log,
    _price,
    _release_time,
    cancel_booking,
    therapy_policy_for,
)
from bookings.signals import therapy_time_released
from bookings.transitions import ACTIVE_VALUES, IllegalTransition, Status, check_transition
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
from schedules.recurrence import wall_time_to_utc
from schedules.slots import find_slot, next_free, settings_for, slots_for, why_not_offered, why_not_offered_each
from schedules.therapist_settings import ensure_settings

MAX_PROPOSALS = 3
PAGE = RequestMeta()


class SlotTaken(BookingError):
    """The chosen time is not free (any more); ``alternatives`` are the next free ones."""

    def __init__(self, message: str, alternatives: list[Slot] | None = None) -> None:
        super().__init__(message)
        self.alternatives = alternatives or []


# --- locks and rules ---------------------------------------------------------------------


def _lock_therapist(practitioner_id: int) -> TherapistSettings:
    """Take the therapist's row lock (the first lock of every therapy action)."""
    ensure_settings(practitioner_id)  # make sure the row exists before locking it
    qs = TherapistSettings.objects.filter(practitioner_id=practitioner_id)
    if race.locking("therapist"):
        qs = qs.select_for_update()
    return qs.get()


def _lock_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("therapy_type", "practitioner__user", "client", "location", "room", "policy")
        .get(pk=booking.pk)
    )


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


def _hold(cfg: TherapistSettings, slot: Slot, *, tentative: bool) -> Occupancy:
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
        if not _lost_race(exc):
            raise
        raise SlotTaken(_("Someone else has just taken this time.")) from None


def _lost_race(exc: Exception) -> bool:
    """Did a write lose to an overlapping one (the exclusion constraints said no)?

    Two overlapping rows inserted at the same moment each wait for the other's check:
    PostgreSQL then aborts one with a deadlock error instead of an exclusion
    violation. For these one-row writes that means the same thing.
    """
    return isinstance(exc, IntegrityError) or getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _taken(therapy_type: TherapyType, minutes: int, practitioner_id: int, after: datetime, now: datetime) -> SlotTaken:
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


def _not_bookable(
    therapy_type: TherapyType, minutes: int, practitioner: Practitioner, starts_at: datetime, now: datetime
) -> SlotTaken:
    """Say why a time is not a free slot: never offered (outside the hours, off the grid) or taken."""
    why = why_not_offered(practitioner_id=practitioner.pk, starts_at=starts_at, minutes=minutes)
    alternatives = next_free(therapy_type, minutes=minutes, practitioner_id=practitioner.pk, after=starts_at, now=now)
    return SlotTaken(refusal_message(why, practitioner.public_name), alternatives)


def _duration(therapy_type: TherapyType, minutes: int) -> TherapyDuration:
    try:
        return therapy_type.durations.get(minutes=minutes)
    except TherapyDuration.DoesNotExist:
        raise BookingError(_("This therapy is not offered for that length.")) from None


def _check_offered(therapy_type: TherapyType, practitioner: Practitioner) -> None:
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
) -> Booking:
    """Book a session at a free slot: confirmed at once, or a request holding the time tentatively.

    Raises SlotTaken (with the next free times) when the time is not free, BookingError
    for any other rule. A resubmitted form (same idempotency key) returns the first booking.
    """
    now = now or timezone.now()
    _check_offered(therapy_type, practitioner)
    duration = _duration(therapy_type, minutes)
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
) -> Booking:
    cfg = _lock_therapist(practitioner.pk)
    if key and (existing := Booking.objects.filter(client=client, idempotency_key=key).first()):
        return existing
    _check_notice_and_window(cfg, starts_at, now)
    slot = find_slot(
        therapy_type, minutes=duration.minutes, practitioner_id=practitioner.pk, starts_at=starts_at, now=now
    )
    if slot is None:
        raise _not_bookable(therapy_type, duration.minutes, practitioner, starts_at, now)
    race.pause("therapy-slot")
    request = needs_approval(cfg, client=client, starts_at=starts_at, now=now)
    try:
        hold = _hold(cfg, slot, tentative=request)
    except SlotTaken:
        # Lost to a booking the therapist's lock does not cover (another therapist's
        # in the same room): offer the next free times all the same.
        raise _taken(therapy_type, duration.minutes, practitioner.pk, starts_at, now) from None
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
        series=series,
        status=BookingStatus.REQUESTED if request else BookingStatus.CONFIRMED,
        respond_by=answer_due(cfg, starts_at=slot.start, now=now) if request else None,
        quantity=1,
        currency=therapy_type.currency,
        policy=rules if rules.pk else None,
        note=note.strip(),
        intake={q: a.strip() for q, a in intake.items() if a and a.strip()},
        idempotency_key=key,
        **_price(duration.price, 1),
    )
    _log(
        booking,
        actor=client,
        from_status="",
        to_status=booking.status,
        meta=meta,
        data={"starts_at": slot.start.isoformat(), "minutes": duration.minutes, "total": str(booking.total)},
    )
    booking.practitioner = practitioner
    booking.therapy_type = therapy_type
    if request:
        messages.therapy_requested(booking)
    else:
        messages.booking_confirmed(booking)
    return booking


# --- answering requests ----------------------------------------------------------------------


def _therapist_booking(booking: Booking, actor: User) -> None:
    """Only the session's own therapist (or staff who manage bookings) answers for it."""
    if permissions.manages_bookings(actor):
        return
    if getattr(getattr(actor, "practitioner", None), "pk", None) != booking.practitioner_id:
        raise BookingError(_("This is not one of your sessions."))


@transaction.atomic
def approve_request(*, booking: Booking, actor: User, meta: RequestMeta = PAGE) -> Booking:
    """Confirm a request: its tentative hold becomes firm, or SlotTaken if another session got there."""
    _therapist_booking(booking, actor)
    _lock_therapist(booking.practitioner_id)
    booking = _lock_booking(booking)
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
        if not _lost_race(exc):
            raise
        raise _taken_since(booking, always=True) from None
    booking.status = BookingStatus.CONFIRMED
    booking.respond_by = None
    booking.ics_sequence += 1
    booking.save(update_fields=["status", "respond_by", "ics_sequence", "updated_at"])
    _log(booking, actor=actor, from_status=Status.REQUESTED, to_status=booking.status, meta=meta, reason="approved")
    messages.booking_confirmed(booking)
    return booking


def _taken_since(booking: Booking, *, always: bool = False) -> SlotTaken | None:
    """SlotTaken for a request whose hold another approval took away (or ``always``)."""
    if booking.occupancy_id and not always:
        return None
    return _taken(
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
    _therapist_booking(booking, actor)
    if not reason.strip():
        raise BookingError(_("Tell the client why."))
    _lock_therapist(booking.practitioner_id)
    booking = _lock_booking(booking)
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
    _release_time(booking)
    _log(booking, actor=actor, from_status=old, to_status=to, meta=meta, reason=reason)


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
    _therapist_booking(booking, actor)
    now = now or timezone.now()
    starts = sorted(set(starts))
    if not 1 <= len(starts) <= MAX_PROPOSALS:
        raise BookingError(_("Suggest between one and three times."))
    with transaction.atomic():
        _lock_therapist(booking.practitioner_id)
        booking = _lock_booking(booking)
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
        _log(
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
    cfg = _lock_therapist(booking.practitioner_id)
    booking = _lock_booking(booking)
    claimed = TimeProposal.objects.filter(pk=proposal.pk, booking=booking, state=ProposalState.OPEN).update(
        state=ProposalState.ACCEPTED
    )
    if not claimed:
        raise BookingError(_("This proposal is no longer open."))
    if booking.status not in (Status.REQUESTED, Status.CONFIRMED):
        raise BookingError(_("This booking is no longer active."))
    slot = _free_for(booking, proposal.starts_at, now)
    if slot is None:
        raise _not_bookable(
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
    hold = _hold(cfg, slot, tentative=tentative)
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
    _log(
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
    cfg = _lock_therapist(booking.practitioner_id)
    booking = _lock_booking(booking)
    by_client = booking.client_id == actor.pk and not permissions.manages_bookings(actor)
    if not by_client:
        _therapist_booking(booking, actor)
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
        raise _not_bookable(booking.therapy_type, booking.duration_minutes, booking.practitioner, starts_at, now)
    _move(booking, cfg, slot, actor=actor, meta=meta, reason="rescheduled")
    TimeProposal.objects.filter(booking=booking, state=ProposalState.OPEN).update(state=ProposalState.WITHDRAWN)
    messages.booking_changed(booking)
    return booking


def therapist_cancel(*, booking: Booking, actor: User, reason: str, meta: RequestMeta = PAGE) -> Booking:
    """The therapist cancels: a reason is required, the client gets everything back and pays no fee."""
    _therapist_booking(booking, actor)
    if not reason.strip():
        raise BookingError(_("Tell the client why."))
    cancel_booking(booking=booking, actor=actor, reason=reason, meta=meta, by_studio=True)
    booking.refresh_from_db()
    return booking


# --- series ----------------------------------------------------------------------------------


@dataclass
class SeriesItem:
    """One occurrence of a planned series: free as asked, or the nearby free times instead."""

    index: int
    wanted: datetime
    free: bool
    alternatives: list[Slot] = field(default_factory=list)
    reason: str = ""  # why the asked time is not free (refusal_message), shown beside it


def series_starts(first: datetime, *, interval_weeks: int, count: int, zone) -> list[datetime]:
    """The same wall-clock time every ``interval_weeks`` (07:00 stays 07:00 across DST)."""
    local = timezone.localtime(first, zone)
    return [
        wall_time_to_utc(local.date() + timedelta(weeks=interval_weeks * i), local.time().replace(tzinfo=None), zone)
        for i in range(count)
    ]


def plan_series(
    *,
    therapy_type: TherapyType,
    minutes: int,
    practitioner: Practitioner,
    first: datetime,
    interval_weeks: int,
    count: int,
    now: datetime | None = None,
) -> list[SeriesItem]:
    """Check every occurrence at once (one slot computation for the whole span)."""
    now = now or timezone.now()
    if interval_weeks not in (1, 2) or not 2 <= count <= 52:
        raise BookingError(_("A series is every week or every two weeks, for 2 to 52 sessions."))
    zone = settings_for(practitioner.pk).zone
    wanted = series_starts(first, interval_weeks=interval_weeks, count=count, zone=zone)
    found = slots_for(
        therapy_type,
        minutes=minutes,
        practitioner_ids=[practitioner.pk],
        first_day=timezone.localtime(wanted[0], zone).date(),
        last_day=timezone.localtime(wanted[-1], zone).date(),
        now=now,
    )[0]
    free = {s.start: s for s in found.slots}
    by_day: dict = {}
    for slot in found.slots:
        by_day.setdefault(timezone.localtime(slot.start, zone).date(), []).append(slot)
    items = []
    for i, start in enumerate(wanted):
        if start in free:
            items.append(SeriesItem(i, start, True))
            continue
        same_day = by_day.get(timezone.localtime(start, zone).date(), [])
        nearest = sorted(same_day, key=lambda s: abs(s.start - start))[:3]
        items.append(SeriesItem(i, start, False, sorted(nearest)))
    missed = [item for item in items if not item.free]
    whys = why_not_offered_each(practitioner_id=practitioner.pk, starts=[m.wanted for m in missed], minutes=minutes)
    for item, why in zip(missed, whys, strict=True):
        item.reason = refusal_message(why, practitioner.public_name)
    return items


@transaction.atomic
def book_series(
    *,
    client: User,
    therapy_type: TherapyType,
    minutes: int,
    practitioner: Practitioner,
    starts: list[datetime],
    interval_weeks: int,
    note: str = "",
    intake: dict | None = None,
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
) -> BookingSeries:
    """Book every chosen time, all or nothing; each session is its own booking linked to the series."""
    if not 2 <= len(starts) <= 52 or len(set(starts)) != len(starts):
        raise BookingError(_("A series needs 2 to 52 different times."))
    series = BookingSeries.objects.create(
        client=client,
        practitioner=practitioner,
        therapy_type=therapy_type,
        interval_weeks=interval_weeks,
        count=len(starts),
    )
    for start in sorted(starts):
        try:
            book_therapy(
                client=client,
                therapy_type=therapy_type,
                minutes=minutes,
                practitioner=practitioner,
                starts_at=start,
                note=note,
                intake=intake,
                meta=meta,
                now=now,
                series=series,
            )
        except SlotTaken as exc:
            # book_therapy already said why (outside the hours, off the grid, taken): keep it.
            raise SlotTaken(
                _("%(when)s: %(why)s Nothing was booked. Please choose again.")
                % {
                    "when": timezone.localtime(start, settings_for(practitioner.pk).zone).strftime("%a %d %b %H:%M"),
                    "why": exc,
                },
                exc.alternatives,
            ) from None
    return series


def cancel_rest_of_series(*, booking: Booking, actor: User, reason: str = "", meta: RequestMeta = PAGE) -> int:
    """Cancel this session and every later active one of its series (each by the policy)."""
    if not booking.series_id:
        raise BookingError(_("This session is not part of a series."))
    rest = Booking.objects.filter(
        series_id=booking.series_id, starts_at__gte=booking.starts_at, status__in=ACTIVE_VALUES
    ).order_by("starts_at")
    count = 0
    with transaction.atomic():
        for item in rest:
            cancel_booking(booking=item, actor=actor, reason=reason, meta=meta)
            count += 1
    return count


# --- holds (a time kept for a client who has not said yes yet) ------------------------------
#
# A hold is a therapy booking in status ``pending`` with firm time in Occupancy and
# ``respond_by`` set to when it lapses. The waitlist offers wished-for times this way:
# the time is the client's until they confirm it, or it is released (expired or
# declined), which frees it and sends therapy_time_released like any other release.
# Class holds (pending bookings of a class session) are never touched here.


def _try_lock_therapist(practitioner_id: int) -> TherapistSettings | None:
    """The therapist's row lock, or None at once if another transaction holds it.

    For work done inside someone else's transaction (a cancellation that already holds a
    booking row lock): waiting there could deadlock with an action that takes the
    therapist first, then that booking.
    """
    ensure_settings(practitioner_id)
    qs = TherapistSettings.objects.filter(practitioner_id=practitioner_id)
    if race.locking("therapist"):
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


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
    another action's transaction takes _try_lock_therapist first. Runs in a savepoint:
    a refusal (SlotTaken, BookingError) leaves the caller's transaction usable.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _check_offered(therapy_type, practitioner)
        duration = _duration(therapy_type, minutes)
        cfg = _lock_therapist(practitioner.pk)
        slot = find_slot(therapy_type, minutes=minutes, practitioner_id=practitioner.pk, starts_at=starts_at, now=now)
        if slot is None:
            raise _taken(therapy_type, minutes, practitioner.pk, starts_at, now)
        hold = _hold(cfg, slot, tentative=False)
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
            **_price(duration.price, 1),
        )
        _log(
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
    locked = _lock_booking(booking)
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
        _log(booking, actor=client, from_status=Status.PENDING, to_status=booking.status, meta=meta, reason=reason)
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
        _log(booking, actor=actor, from_status=Status.PENDING, to_status=to, meta=meta, reason=reason)
        _release_time(booking)
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
