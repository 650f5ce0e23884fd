"""Domain actions on bookings. Each is one transaction that locks what it touches,
writes a BookingEvent, and raises BookingError with a message fit to show the client.

The one lock order of the whole project (bookings, therapy, waitlist, wishes), so two
actions never wait for each other in a circle:

1. the therapist's settings row (``therapy._lock_therapist``),
2. the client's row (``_lock_client``: caps and one booking per class),
3. the class schedule row, then class session rows in id order,
4. booking rows, then the waitlist's offer and entry rows.

New rows count where they are inserted: ``book_class`` inserts its booking, event and
outbox rows after the client lock and claims the spots (the session's row lock, the most
contended one) with the last statement before commit. Under a session's lock, the
rows of that session (its bookings, offers, entries) may be taken in any order: the
session lock already serialises them. A path that must take an earlier lock while
holding a later one (the waitlist's promotion runs inside the release that holds the
session, and needs the client; a therapy release needs the therapist) takes it without
waiting (``SKIP LOCKED``) and treats "busy" as "not now". Session locks are ``FOR NO
KEY UPDATE``, which the foreign-key checks of inserted bookings do not wait for.
Should PostgreSQL still find a deadlock, ``config.db_retry.retry_on_conflict`` runs
the action again once, then the page says "busy, try again" (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.client_ip import client_ip, client_user_agent
from accounts.models import User
from bookings import messages, permissions, policy_cache
from bookings import policy as policy_rules
from bookings.models import Booking, BookingEvent, BookingPolicy, BookingStatus, EventSource
from bookings.signals import spots_released, therapy_time_released
from bookings.transitions import ACTIVE_VALUES, IllegalTransition, Status, check_transition
from config import race
from config.db_retry import retry_on_conflict
from notifications.models import Notification
from schedules.cache import bump_timetable_version
from schedules.models import ClassSession, Occupancy, SessionStatus


class BookingError(Exception):
    """A booking action that cannot be done; str() is the message for the client."""


class SessionFull(BookingError):
    pass


class NotPermitted(BookingError):
    """The actor may not do this to this booking (pages answer 403)."""


class ClientBusy(BookingError):
    """The client's row is locked by another action of theirs: a promotion passes them over this time."""


@dataclass(frozen=True)
class RequestMeta:
    """Where an action came from, for the audit trail."""

    source: str = EventSource.PAGE
    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, source: str = EventSource.PAGE) -> RequestMeta:
        # The client's address behind our proxies, not the proxy's (accounts.client_ip).
        return cls(source=source, ip_address=client_ip(request), user_agent=client_user_agent(request))


ADMIN = RequestMeta(source=EventSource.ADMIN)
TASK = RequestMeta(source=EventSource.TASK)


# --- policy -------------------------------------------------------------------------------


def therapy_policy_for(therapy_type_id: int) -> BookingPolicy:
    """The therapy type's policy, else the studio default (the same rules as classes)."""
    cached = policy_cache.policies()
    return cached.by_therapy_type.get(therapy_type_id) or cached.default or _fallback()


def policy_for(class_type_id: int) -> BookingPolicy:
    """The class type's policy, else the studio default: from the cache (tiers load on use)."""
    cached = policy_cache.policies()
    return cached.by_class_type.get(class_type_id) or cached.default or _fallback()


def _fallback() -> BookingPolicy:
    return BookingPolicy(name="Fallback", is_default=True)  # a studio that deleted its default


def too_many_spots(limit: int) -> str:
    """The one wording for a party above the policy's limit: booking, change form, holds."""
    return ngettext(
        "You can book at most %(n)d spot in one booking.", "You can book at most %(n)d spots in one booking.", limit
    ) % {"n": limit}


def check_bookable(session: ClassSession, rules: BookingPolicy, quantity: int, now: datetime) -> None:
    """Rules that do not need a lock: the class exists, is open for booking, party size."""
    if session.status == SessionStatus.CANCELLED:
        raise BookingError(_("This class has been cancelled."))
    if session.starts_at <= now:
        raise BookingError(_("This class has already started."))
    opens = session.starts_at - timedelta(days=rules.booking_opens_days)
    if now < opens:
        raise BookingError(
            _("Booking for this class opens on %(date)s.")
            % {"date": timezone.localtime(opens).strftime("%d %b %Y %H:%M")}
        )
    if now > session.starts_at - timedelta(minutes=rules.cutoff_minutes):
        raise BookingError(
            ngettext(
                "Booking closes %(n)d minute before the class starts.",
                "Booking closes %(n)d minutes before the class starts.",
                rules.cutoff_minutes,
            )
            % {"n": rules.cutoff_minutes}
        )
    if quantity < 1:
        raise BookingError(_("Choose at least one spot."))
    if quantity > rules.max_party_size:
        raise BookingError(too_many_spots(rules.max_party_size))


def _lock_client(client: User, *, wait: bool = True) -> None:
    """Take the client's row lock (the second in the lock order); ClientBusy if not ``wait`` and taken.

    Every new class booking holds it (book_class, hold_spots), so two simultaneous
    bookings by one client cannot both slip under a cap, and a promotion that takes it
    without waiting never waits on that client's uncommitted booking either (the
    one-booking-per-class index would make it). change_booking moves a booking under
    the sessions' locks instead, which a promotion into them holds too. ``FOR NO KEY
    UPDATE``: rows that merely reference the client (their outbox rows) are not held up.
    """
    if not wait and not race.locking("lock-order"):
        wait = True  # the negative control: wait out of order, as before the one lock order
    rows = User.objects.select_for_update(no_key=True, skip_locked=not wait).filter(pk=client.pk)
    if rows.values_list("pk", flat=True).first() is None:
        raise ClientBusy(_("You are booking something else right now."))


def _check_client_limits(client: User, session: ClassSession, rules: BookingPolicy) -> None:
    """Per-day and per-week caps, counted in the class's local calendar.

    Runs with the client's row locked (_lock_client), so two simultaneous bookings by
    the same client cannot both slip under the cap.
    """
    if not (rules.max_active_per_day or rules.max_active_per_week):
        return
    zone = session.location.zone
    day = timezone.localtime(session.starts_at, zone).date()
    active = Booking.objects.filter(client=client, status__in=ACTIVE_VALUES)
    for cap, start_day, days, label in (
        (rules.max_active_per_day, day, 1, _("day")),
        (rules.max_active_per_week, day - timedelta(days=day.weekday()), 7, _("week")),
    ):
        if not cap:
            continue
        start = datetime.combine(start_day, datetime.min.time(), zone)
        end = datetime.combine(start_day + timedelta(days=days), datetime.min.time(), zone)
        count = active.filter(class_session__starts_at__gte=start, class_session__starts_at__lt=end).count()
        if count >= cap:
            raise BookingError(
                _("You already have %(count)d active bookings that %(period)s (the limit is %(cap)d).")
                % {"count": count, "period": label, "cap": cap}
            )


# --- spots -------------------------------------------------------------------------------


def _claim_spots(session_id: int, quantity: int) -> bool:
    """Take ``quantity`` spots if they are free: lock, check and count in one statement.

    The conditional UPDATE row-locks the session, so concurrent claims queue up and
    each sees the committed counter (DESIGN invariant 1). The race tests pause at
    "booking-claim"; their negative control (guard "booking" off) reads, then writes,
    and must oversell (config.race).
    """
    if not race.locking("booking"):
        taken, capacity = ClassSession.objects.values_list("spots_taken", "capacity").get(pk=session_id)
        if taken + quantity > capacity:
            return False
        race.pause("booking-claim")
        ClassSession.objects.filter(pk=session_id).update(spots_taken=taken + quantity)
        bump_timetable_version()
        return True
    race.pause("booking-claim")
    # .update() sends no signal: the timetable's "spots left" changes. Renewed before the
    # UPDATE, so nothing but the commit follows the row lock (it is renewed again on
    # commit; a claim that fails leaves only a cache miss behind).
    bump_timetable_version()
    return (
        ClassSession.objects.filter(
            pk=session_id, status=SessionStatus.SCHEDULED, spots_taken__lte=F("capacity") - quantity
        ).update(spots_taken=F("spots_taken") + quantity)
        == 1
    )


def _release_spots(session_id: int, quantity: int) -> None:
    ClassSession.objects.filter(pk=session_id).update(spots_taken=F("spots_taken") - quantity)
    bump_timetable_version()
    spots_released.send(sender=Booking, session_id=session_id, quantity=quantity)


def _release_time(booking: Booking) -> None:
    """A therapy booking that ends frees its therapist's and room's time at once."""
    if booking.occupancy_id:
        Occupancy.objects.filter(pk=booking.occupancy_id).delete()
        booking.occupancy_id = None
        therapy_time_released.send(
            sender=Booking,
            practitioner_id=booking.practitioner_id,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )


# --- events ------------------------------------------------------------------------------


def _log(
    booking: Booking,
    *,
    actor: User | None,
    from_status: str,
    to_status: str,
    meta: RequestMeta,
    reason: str = "",
    data: dict | None = None,
) -> BookingEvent:
    return BookingEvent.objects.create(
        booking=booking,
        actor=actor if actor and actor.pk else None,
        actor_name=actor.name[:150] if actor and actor.pk else "",
        from_status=from_status,
        to_status=to_status,
        reason=reason[:255],
        source=meta.source,
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
        data=data or {},
    )


# --- booking -------------------------------------------------------------------------------


def _price(unit: Decimal, quantity: int) -> dict:
    total = (unit * quantity).quantize(Decimal("0.01"))
    rate = Decimal(str(getattr(settings, "PRICES_INCLUDE_TAX_PERCENT", 0)))
    tax = (total * rate / (100 + rate)).quantize(Decimal("0.01")) if rate else Decimal("0.00")
    return {"unit_price": unit, "discount": Decimal("0.00"), "tax": tax, "total": total}


@retry_on_conflict
def book_class(
    *,
    client: User,
    session_id: int,
    quantity: int,
    note: str = "",
    idempotency_key: str = "",
    meta: RequestMeta = RequestMeta(),
    now: datetime | None = None,
) -> Booking:
    """Book ``quantity`` spots in a class session for ``client``; confirmed at once.

    A repeated submission with the same idempotency key returns the first booking.
    Raises SessionFull when the spots went to someone else first, BookingError for
    any other rule.
    """
    now = now or timezone.now()
    try:
        session = ClassSession.objects.select_related("class_type", "location", "room", "instructor__user").get(
            pk=session_id
        )
    except ClassSession.DoesNotExist:
        raise BookingError(_("This class does not exist.")) from None
    rules = policy_for(session.class_type_id)
    try:
        check_bookable(session, rules, quantity, now)
        if session.spots_left < quantity:
            # Full when it was read a moment ago: no transaction, no lock (a hot class's
            # last attempts cost one read). The claim below decides for everyone else.
            raise _session_full(session.spots_left)
        with transaction.atomic():
            return _book_locked(client, session, rules, quantity, note, idempotency_key, meta)
    except IntegrityError:
        # The same form twice, two tabs, or a second booking of the same class: the
        # unique constraints refused the row and the transaction claimed nothing.
        existing = _booked_with_key(client, idempotency_key)
        if existing:
            return existing
        raise BookingError(_("You already have a booking for this class.")) from None
    except BookingError:
        # A resubmitted form whose first submission booked (the class may be full now).
        existing = _booked_with_key(client, idempotency_key)
        if existing:
            return existing
        raise


def _booked_with_key(client: User, key: str) -> Booking | None:
    return Booking.objects.filter(client=client, idempotency_key=key).first() if key else None


def _book_locked(
    client: User,
    session: ClassSession,
    rules: BookingPolicy,
    quantity: int,
    note: str,
    key: str,
    meta: RequestMeta,
) -> Booking:
    """Client lock, insert, then claim last: a duplicate (same key, or an active booking
    of this class) fails on the unique constraints before any spot is touched; the
    event and outbox rows are written before the claim, so the session's row lock is
    held only from the claim to the commit; a failed claim rolls them all back."""
    _lock_client(client)
    _check_client_limits(client, session, rules)
    booking = Booking.objects.create(
        client=client,
        class_session=session,
        status=BookingStatus.CONFIRMED,
        quantity=quantity,
        currency=session.currency,
        policy=rules if rules.pk else None,
        note=note.strip(),
        idempotency_key=key,
        **_price(session.price, quantity),
    )
    _log(
        booking,
        actor=client,
        from_status="",
        to_status=booking.status,
        meta=meta,
        data={"quantity": quantity, "total": str(booking.total)},
    )
    booking.class_session = session
    messages.booking_confirmed(booking)
    if not _claim_spots(session.pk, quantity):
        capacity, taken = ClassSession.objects.values_list("capacity", "spots_taken").get(pk=session.pk)
        raise _session_full(capacity - taken)
    return booking


def _session_full(free: int) -> SessionFull:
    free = max(free, 0)
    if free == 0:
        return SessionFull(_("This class just filled up."))
    return SessionFull(ngettext("Only %(n)d spot is left.", "Only %(n)d spots are left.", free) % {"n": free})


# --- lifecycle ----------------------------------------------------------------------------


def lock_sessions(*session_ids: int) -> None:
    """Lock class session rows in id order (FOR NO KEY UPDATE: booking inserts' key checks pass)."""
    for pk in sorted(set(session_ids)):
        ClassSession.objects.select_for_update(no_key=True).filter(pk=pk).values_list("pk").first()


def _lock(booking: Booking) -> Booking:
    """Lock the booking's class session, then the booking (the fixed order)."""
    if booking.class_session_id:
        lock_sessions(booking.class_session_id)
    return Booking.objects.select_for_update(of=("self",)).select_related("class_session", "policy").get(pk=booking.pk)


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
        paid=booking.amount_paid,
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
    meta: RequestMeta = RequestMeta(),
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
    booking = _lock(booking)
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
        outcome = policy_rules.full_refund(paid=booking.amount_paid - booking.amount_refunded)
    else:
        outcome = cancellation_preview(booking, now=now, waive_fee=waive_fee)
    old = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason.strip()[:255]
    booking.amount_refunded = min(booking.amount_refunded + outcome.refund, booking.amount_paid)
    booking.fee_charged = outcome.fee
    booking.ics_sequence += 1
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancel_reason",
            "amount_refunded",
            "fee_charged",
            "ics_sequence",
            "updated_at",
        ]
    )
    _log(
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
    if booking.class_session_id:
        _release_spots(booking.class_session_id, booking.quantity)
    _release_time(booking)
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
    is the system.
    """
    if to == Status.CANCELLED:
        raise ValueError("Use cancel_booking() to cancel.")
    booking = _lock(booking)
    if actor is not None and not permissions.may_set_status(actor, booking):
        raise NotPermitted(_("You may not change this booking."))
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
            _release_spots(booking.class_session_id, booking.quantity)
        _release_time(booking)
    booking.save(update_fields=fields)
    _log(booking, actor=actor, from_status=old, to_status=to, meta=meta, reason=reason)
    return booking


@transaction.atomic
def set_checked_in(*, booking: Booking, checked_in: bool, actor: User | None, meta: RequestMeta = ADMIN) -> Booking:
    """Attendance at the door; undoable until the booking is completed or marked a no-show.

    Staff and the session's instructor (a substitute is the session's instructor) may;
    ``actor=None`` is the system. Checked after the lock, so a substitution committed
    meanwhile is the one that counts.
    """
    booking = _lock(booking)
    teacher = booking.class_session.instructor_id if booking.class_session_id else booking.practitioner_id
    if actor is not None and not permissions.may_take_attendance(actor, instructor_id=teacher):
        raise NotPermitted(_("Only the instructor of this class or studio staff can check clients in."))
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingError(_("Only confirmed bookings can be checked in."))
    if bool(booking.checked_in_at) == checked_in:
        return booking
    booking.checked_in_at = timezone.now() if checked_in else None
    booking.save(update_fields=["checked_in_at", "updated_at"])
    _log(
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
                _lock(booking), actor=actor, reason=reason, meta=meta, waive_fee=False, by_studio=True, now=None
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
    meta: RequestMeta = RequestMeta(),
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
        if delta > 0 and not _claim_spots(target.pk, delta):
            raise SessionFull(_("There are not enough free spots for that many people."))
        if delta < 0:
            _release_spots(target.pk, -delta)
    else:
        if not _claim_spots(target.pk, new_quantity):
            raise SessionFull(_("That class does not have enough free spots."))
        _release_spots(old_session.pk, booking.quantity)
    booking.class_session = target
    booking.quantity = new_quantity
    for name, value in _price(target.price, new_quantity).items():
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
    _log(
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


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Queue the reminders that are due (the beat task); returns how many were new.

    For each offset in settings.BOOKING_REMINDER_HOURS, every confirmed booking whose
    class or therapy session starts within that many hours, and that existed before the reminder time,
    gets one message. The de-duplication key makes this exactly once per booking
    and offset, however late, often or concurrently the task runs.
    """
    from notifications.services import notify_many

    now = now or timezone.now()
    created = 0
    for hours in sorted(set(settings.BOOKING_REMINDER_HOURS), reverse=True):
        window = timedelta(hours=hours)
        due = (
            Booking.objects.filter(status=BookingStatus.CONFIRMED)
            .filter(
                # A class booking starts with its session, a therapy session at its own time.
                Q(
                    class_session__starts_at__gt=now,
                    class_session__starts_at__lte=now + window,
                    created_at__lt=F("class_session__starts_at") - window,
                )
                | Q(starts_at__gt=now, starts_at__lte=now + window, created_at__lt=F("starts_at") - window)
            )
            # Skip bookings already reminded (their in-app row exists): a repeat sweep reads nothing.
            .exclude(Exists(Notification.objects.filter(dedupe_key=_reminder_key(hours))))
            .with_what_and_where()
            .select_related("client")
            .order_by("pk")
        )
        batch = messages.reminder_messages(due, hours=hours)
        if batch:
            with transaction.atomic():
                created += notify_many(batch)
    return created


def _reminder_key(hours: int):
    """The in-app row's de-duplication key of a booking's reminder, as SQL (see messages.reminder_messages)."""
    return Concat(
        Value("booking:"),
        Cast(OuterRef("pk"), CharField()),
        Value(f":reminder:{hours}h:inapp"),
        output_field=CharField(),
    )


AGENDA_HOUR = 6  # local time at which practitioners get their day's agenda


def send_daily_agendas(*, now: datetime | None = None) -> int:
    """Each practitioner's agenda for today, once, from AGENDA_HOUR in their own zone (hourly beat task).

    Classes and therapy sessions of every practitioner around today are read once
    (the local days differ by zone, so a day on each side), then split per person.
    """
    from notifications.services import notify_many
    from schedules.models import Practitioner

    now = now or timezone.now()
    around = {"starts_at__gte": now - timedelta(days=1), "starts_at__lt": now + timedelta(days=2)}
    classes_of: dict[int, list[ClassSession]] = {}
    for session in (
        ClassSession.objects.scheduled()
        .filter(**around)
        .select_related("class_type", "location", "room")
        .prefetch_related("bookings__client")
        .order_by("starts_at")
    ):
        classes_of.setdefault(session.instructor_id, []).append(session)
    sessions_of: dict[int, list[Booking]] = {}
    for booking in (
        Booking.objects.filter(status__in=[BookingStatus.CONFIRMED, BookingStatus.REQUESTED], **around)
        .select_related("client", "therapy_type", "location", "room")
        .order_by("starts_at")
    ):
        sessions_of.setdefault(booking.practitioner_id, []).append(booking)
    batch = []
    for practitioner in Practitioner.objects.filter(is_active=True).select_related("user"):
        zone = practitioner.user.zone
        local = timezone.localtime(now, zone)
        if local.hour < AGENDA_HOUR:
            continue
        start = datetime.combine(local.date(), datetime.min.time(), zone)
        end = start + timedelta(days=1)
        sessions = [s for s in classes_of.get(practitioner.pk, ()) if start <= s.starts_at < end]
        appointments = [b for b in sessions_of.get(practitioner.pk, ()) if start <= b.starts_at < end]
        if sessions or appointments:
            batch.append(messages.agenda_message(practitioner, local.date(), sessions, appointments))
    with transaction.atomic():
        return notify_many(batch)


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
        _lock_client(client, wait=False)
        _check_client_limits(client, session, rules)
        booking = Booking.objects.create(
            client=client,
            class_session=session,
            status=BookingStatus.CONFIRMED if confirm else BookingStatus.PENDING,
            quantity=quantity,
            currency=session.currency,
            policy=rules if rules.pk else None,
            **_price(session.price, quantity),
        )
        if not _claim_spots(session.pk, quantity):
            raise SessionFull(_("This class just filled up."))
        _log(
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


def confirm_hold(
    *, booking: Booking, actor: User | None, meta: RequestMeta = RequestMeta(), reason: str = ""
) -> Booking:
    """A pending hold becomes a confirmed booking; the client gets the usual confirmation.

    Locks the session, then the booking (the fixed order). Only the hold's own client,
    staff who manage bookings, or the system (``actor=None``): NotPermitted otherwise,
    nothing changed. Raises BookingError when the booking is no longer pending
    (expired, cancelled).
    """
    with transaction.atomic():
        booking = _lock(booking)
        if actor is not None and not permissions.may_confirm_hold(actor, booking):
            raise NotPermitted(_("This is not your booking."))
        if booking.status != BookingStatus.PENDING:
            raise BookingError(_("This hold is no longer pending."))
        booking.status = BookingStatus.CONFIRMED
        booking.save(update_fields=["status", "updated_at"])
        _log(booking, actor=actor, from_status=Status.PENDING, to_status=booking.status, meta=meta, reason=reason)
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
        booking = _lock(booking)
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
        _log(booking, actor=actor, from_status=Status.PENDING, to_status=to, meta=meta, reason=reason)
        if booking.class_session_id:
            _release_spots(booking.class_session_id, booking.quantity)
    return True
