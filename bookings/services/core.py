"""Shared parts of the booking services: errors, request metadata, prices, events,
spot and time claims, policy look-ups, and the lock helpers.

The one lock order of the whole project (bookings, therapy, waitlist, wishes), so two
actions never wait for each other in a circle:

1. the therapist's settings row (``lock_therapist``),
2. the client's row (``lock_client``: caps and one booking per class), then a promo
   code's row (``services.promos.redeem``: its usage limits),
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

The helpers, in that order: ``lock_therapist`` (``try_lock_therapist`` without waiting),
``lock_client``, ``lock_sessions``, ``lock_booking`` (the session, then the booking) and
``lock_therapy_booking`` (a therapy booking row, after its therapist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.client_ip import client_ip, client_user_agent
from accounts.models import User
from bookings import policy_cache
from bookings.models import (
    Booking,
    BookingEvent,
    BookingPolicy,
    EventSource,
)
from bookings.signals import spots_released, therapy_time_released
from bookings.transitions import ACTIVE_VALUES
from config import race
from schedules.availability import Slot
from schedules.cache import bump_timetable_version
from schedules.models import (
    ClassSession,
    Occupancy,
    SessionStatus,
    TherapistSettings,
)
from schedules.therapist_settings import ensure_settings


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


def check_bookable(
    session: ClassSession, rules: BookingPolicy, quantity: int, now: datetime, *, override: bool = False
) -> None:
    """Rules that do not need a lock: the class exists, is open for booking, party size.

    ``override`` (the desk, with a logged reason): the booking window and the cut-off do
    not apply, and a class that has started but not ended still takes a walk-in. A
    cancelled or finished class, and the party size, hold for everyone.
    """
    if session.status == SessionStatus.CANCELLED:
        raise BookingError(_("This class has been cancelled."))
    if override:
        if session.ends_at <= now:
            raise BookingError(_("This class is over."))
    else:
        check_booking_window(session, rules, now)
    if quantity < 1:
        raise BookingError(_("Choose at least one spot."))
    if quantity > rules.max_party_size:
        raise BookingError(too_many_spots(rules.max_party_size))


def check_booking_window(session: ClassSession, rules: BookingPolicy, now: datetime) -> None:
    """Not started, open for booking, and before the cut-off: what a client's own booking must meet."""
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


def lock_client(client: User, *, wait: bool = True) -> None:
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


def check_client_limits(client: User, session: ClassSession, rules: BookingPolicy) -> None:
    """Per-day and per-week caps, counted in the class's local calendar.

    Runs with the client's row locked (lock_client), so two simultaneous bookings by
    the same client cannot both slip under the cap.
    """
    if not (rules.max_active_per_day or rules.max_active_per_week):
        return
    zone = session.location.zone
    day = timezone.localtime(session.starts_at, zone).date()
    active = Booking.objects.filter(client=client, status__in=ACTIVE_VALUES)
    for cap, start_day, days, label in (
        (rules.max_active_per_day, day, 1, _("that day")),
        (rules.max_active_per_week, day - timedelta(days=day.weekday()), 7, _("that week")),
    ):
        if not cap:
            continue
        start = datetime.combine(start_day, datetime.min.time(), zone)
        end = datetime.combine(start_day + timedelta(days=days), datetime.min.time(), zone)
        count = active.filter(class_session__starts_at__gte=start, class_session__starts_at__lt=end).count()
        if count >= cap:
            raise BookingError(
                _("You already have %(count)d active bookings %(period)s (the limit is %(cap)d).")
                % {"count": count, "period": label, "cap": cap}
            )


# --- spots -------------------------------------------------------------------------------


def claim_spots(session_id: int, quantity: int) -> bool:
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


def release_spots(session_id: int, quantity: int) -> None:
    ClassSession.objects.filter(pk=session_id).update(spots_taken=F("spots_taken") - quantity)
    bump_timetable_version()
    spots_released.send(sender=Booking, session_id=session_id, quantity=quantity)


def release_time(booking: Booking) -> None:
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


def log_event(
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


def lock_sessions(*session_ids: int) -> None:
    """Lock class session rows in id order (FOR NO KEY UPDATE: booking inserts' key checks pass)."""
    for pk in sorted(set(session_ids)):
        ClassSession.objects.select_for_update(no_key=True).filter(pk=pk).values_list("pk").first()


def lock_booking(booking: Booking) -> Booking:
    """Lock the booking's class session, then the booking (the fixed order)."""
    if booking.class_session_id:
        lock_sessions(booking.class_session_id)
    return Booking.objects.select_for_update(of=("self",)).select_related("class_session", "policy").get(pk=booking.pk)


MAX_PROPOSALS = 3
PAGE = RequestMeta()


class SlotTaken(BookingError):
    """The chosen time is not free (any more); ``alternatives`` are the next free ones."""

    def __init__(self, message: str, alternatives: list[Slot] | None = None) -> None:
        super().__init__(message)
        self.alternatives = alternatives or []


# --- locks and rules ---------------------------------------------------------------------


def lock_therapist(practitioner_id: int) -> TherapistSettings:
    """Take the therapist's row lock (the first lock of every therapy action)."""
    ensure_settings(practitioner_id)  # make sure the row exists before locking it
    qs = TherapistSettings.objects.filter(practitioner_id=practitioner_id)
    if race.locking("therapist"):
        qs = qs.select_for_update()
    return qs.get()


def lock_therapy_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("therapy_type", "practitioner__user", "client", "location", "room", "policy")
        .get(pk=booking.pk)
    )


def try_lock_therapist(practitioner_id: int) -> TherapistSettings | None:
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
