"""Booking class spots: book_class and the checks it runs under the locks."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from bookings import messages, permissions, prices
from bookings.models import Booking, BookingPolicy, BookingStatus
from bookings.pricing import NO_DISCOUNT
from bookings.services import promos
from bookings.services.core import (
    PAGE,
    BookingError,
    NotPermitted,
    RequestMeta,
    SessionFull,
    check_bookable,
    check_client_limits,
    claim_spots,
    lock_client,
    log_event,
    policy_for,
)
from config import race
from config.db_retry import retry_on_conflict
from schedules.models import ClassSession


@retry_on_conflict
def book_class(
    *,
    client: User,
    session_id: int,
    quantity: int,
    note: str = "",
    idempotency_key: str = "",
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
    booked_by: User | None = None,
    override: str = "",
    promo_code: str = "",
) -> Booking:
    """Book ``quantity`` spots in a class session for ``client``; confirmed at once.

    ``booked_by``: the staff member booking for the client (a phone booking, a walk-in),
    who needs the role for it; the event names them. ``override``: their reason to book
    past the window, the cut-off and the client's caps, written into the event; the
    capacity holds for everyone. ``promo_code``: a code the client typed, redeemed in the
    same transaction (BookingError with the reason if it cannot be used). A repeated
    submission with the same idempotency key returns the first booking. Raises SessionFull
    when the spots went to someone else first, NotPermitted for a caller without the role,
    BookingError for any other rule.
    """
    now = now or timezone.now()
    override = override.strip()
    actor = check_books_for(client, booked_by, override)
    try:
        session = ClassSession.objects.select_related("class_type", "location", "room", "instructor__user").get(
            pk=session_id
        )
    except ClassSession.DoesNotExist:
        raise BookingError(_("This class does not exist.")) from None
    rules = policy_for(session.class_type_id)
    if actor.pk == client.pk and session.class_type.pays_online_only:
        # Paid online when booked (payments.checkout holds the spots while the client pays).
        raise BookingError(_("This class is paid online when you book it."))
    try:
        check_bookable(session, rules, quantity, now, override=bool(override))
        if session.spots_left < quantity:
            # Full when it was read a moment ago: no transaction, no lock (a hot class's
            # last attempts cost one read). The claim below decides for everyone else.
            raise _session_full(session.spots_left)
        with transaction.atomic():
            return _book_locked(
                client, session, rules, quantity, note, idempotency_key, meta, actor, override, now, promo_code
            )
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


def check_books_for(client: User, booked_by: User | None, override: str) -> User:
    """Who the booking's event names: the client, or staff whose role books for clients.

    Booking past the rules is the studio's call alone, and always with a reason.
    """
    if booked_by is None or booked_by.pk == client.pk:
        if override:
            raise NotPermitted(_("Only the studio can book past the booking rules."))
        return client
    if not permissions.may_book_for_clients(booked_by):
        raise NotPermitted(_("Your role does not book for clients."))
    return booked_by


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
    actor: User,
    override: str,
    now: datetime,
    promo_code: str,
) -> Booking:
    """Client lock, insert, then claim last: a duplicate (same key, or an active booking
    of this class) fails on the unique constraints before any spot is touched; the
    event and outbox rows are written before the claim, so the session's row lock is
    held only from the claim to the commit; a failed claim rolls them all back.

    A promo code's row is locked after the client's (the lock order in core). An early
    bird for the first N spots prices by the spots sold: then the session is locked before
    the price is set (after the client and the code: the lock order) and its count read
    under the lock, so two bookers can never both take the last early-bird spot."""
    lock_client(client)
    if not override:
        check_client_limits(client, session, rules)
    promo, discount = None, NO_DISCOUNT
    if promo_code.strip():
        promo, discount = promos.redeem(promo_code, client=client, at=now, class_type_id=session.class_type_id)
    if prices.has_spot_limited_early_bird(session) and race.locking("early-bird"):
        locked = ClassSession.objects.select_for_update(no_key=True).filter(pk=session.pk)  # as lock_sessions
        session.spots_taken = locked.values_list("spots_taken", flat=True).get()
    quote = prices.class_quote(session, quantity, at=now, discount=discount)
    booking = Booking.objects.create(
        client=client,
        class_session=session,
        status=BookingStatus.CONFIRMED,
        quantity=quantity,
        currency=session.currency,
        policy=rules if rules.pk else None,
        note=note.strip(),
        idempotency_key=key,
        **quote.snapshot(),
    )
    if promo is not None:
        promos.record_use(promo, booking, quote.discount)
    data = {"quantity": quantity, "total": str(booking.total)}
    if promo is not None:
        data["promo_code"] = promo.code
    log_event(
        booking,
        actor=actor,
        from_status="",
        to_status=booking.status,
        meta=meta,
        reason=override and _("Booked past the rules: %(reason)s") % {"reason": override},
        data=data | {"override": override} if override else data,
    )
    booking.class_session = session
    messages.booking_confirmed(booking)
    if not claim_spots(session.pk, quantity):
        capacity, taken = ClassSession.objects.values_list("capacity", "spots_taken").get(pk=session.pk)
        raise _session_full(capacity - taken)
    return booking


def _session_full(free: int) -> SessionFull:
    free = max(free, 0)
    if free == 0:
        return SessionFull(_("This class just filled up."))
    return SessionFull(ngettext("Only %(n)d spot is left.", "Only %(n)d spots are left.", free) % {"n": free})


# --- lifecycle ----------------------------------------------------------------------------
