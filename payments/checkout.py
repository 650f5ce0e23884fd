"""Paying online when booking: the hold, the pending payment and Stripe's Checkout page.

A pay-online booking starts as a hold (bookings' one hold life cycle) that lasts
``PAYMENT_HOLD_MINUTES``, with a pending ``Payment`` of what ``payments.modes`` says is
due online. Both are committed before Stripe is asked for a Checkout Session (no network
call inside a transaction), whose id and address are then kept on the payment. Nothing
here confirms the booking: only the webhook does (payments.webhooks), and a hold nobody
paid for ends by expiry, which closes its Checkout page (payments.handlers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking, BookingStatus
from bookings.services import (
    PAGE,
    TASK,
    BookingError,
    RequestMeta,
    check_bookable,
    confirm_hold,
    hold_spots,
    lock_sessions,
    policy_for,
    release_hold,
)
from bookings.transitions import Status
from payments import stripe_api
from payments.models import Method, Payment, PaymentStatus, Provider
from payments.modes import amount_online
from payments.services import PaymentError, mark_payment_failed, record_payment
from schedules.models import ClassSession
from schedules.models.catalogue import PaymentTerms

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is made;
# a shorter hold closes the page itself when it ends (the expire endpoint).
STRIPE_MIN_LIFETIME = timedelta(minutes=31)


@dataclass(frozen=True)
class Checkout:
    booking: Booking
    payment: Payment | None
    url: str  # where the client goes next: Stripe's page, or the booking when nothing is due


@dataclass(frozen=True)
class ReturnUrls:
    """Where Stripe sends the client back: this site's root (``https://studio.example``)."""

    base: str

    def for_booking(self, booking: Booking) -> tuple[str, str]:
        root = self.base.rstrip("/")
        success = root + reverse("payments:return", args=[booking.reference]) + "?session_id={CHECKOUT_SESSION_ID}"
        return success, root + reverse("payments:cancelled", args=[booking.reference])


def terms_of(booking: Booking) -> PaymentTerms:
    return booking.session.class_type if booking.class_session_id else booking.kind


def due_online(booking: Booking) -> Decimal:
    """What this booking pays online, by its type's payment mode in force."""
    terms = terms_of(booking)
    return amount_online(
        mode=terms.mode_in_force,
        total=booking.total,
        quantity=booking.quantity,
        deposit_percent=terms.deposit_percent,
        deposit_amount=terms.deposit_amount,
    )


def book_class_online(
    *,
    client: User,
    session_id: int,
    quantity: int,
    note: str,
    attempt_key: str,
    urls: ReturnUrls,
    meta: RequestMeta = PAGE,
    now: datetime | None = None,
) -> Checkout:
    """Hold ``quantity`` spots while the client pays online, and open Stripe's Checkout page.

    The same form submitted twice (``attempt_key``) gives back the first attempt's page.
    BookingError (SessionFull…) for the booking rules, PaymentError when Stripe cannot be
    reached (the hold is released at once: nothing is kept for an attempt that never began).
    """
    now = now or timezone.now()
    if existing := _attempt(client, attempt_key):
        return existing
    try:
        session = ClassSession.objects.select_related("class_type").get(pk=session_id)
    except ClassSession.DoesNotExist:
        raise BookingError(_("This class does not exist.")) from None
    rules = policy_for(session.class_type_id)
    check_bookable(session, rules, quantity, now)
    hold_until = now + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)
    try:
        with transaction.atomic():
            lock_sessions(session.pk)
            booking = hold_spots(
                client=client,
                session=session,
                quantity=quantity,
                rules=rules,
                hold_until=hold_until,
                meta=meta,
                reason="waiting for online payment",
            )
            booking.note, booking.idempotency_key = note.strip(), attempt_key
            booking.save(update_fields=["note", "idempotency_key", "updated_at"])
            payment = _start_payment(booking, meta)
    except IntegrityError:
        if existing := _attempt(client, attempt_key):
            return existing
        raise BookingError(_("You already have a booking for this class.")) from None
    return _open_checkout(booking, payment, urls, now)


def pay_again(
    *, booking: Booking, client: User, urls: ReturnUrls, now: datetime | None = None, first: bool = False
) -> Checkout:
    """A Checkout page for a held booking: its first (``first``: a therapy time held for
    payment, released if Stripe cannot be reached), or a new one after a failed or
    abandoned payment ("Pay now"). Only the booking's own client, while the hold lasts;
    a page still open is given back rather than a second one made.
    """
    now = now or timezone.now()
    if booking.client_id != client.pk:
        raise Booking.DoesNotExist  # another client's booking is simply not found
    with transaction.atomic():
        locked = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        if locked.status != BookingStatus.PENDING or not locked.hold_until or locked.hold_until <= now:
            raise PaymentError(_("This booking is no longer held for payment."))
        open_payment = locked.payments.filter(status=PaymentStatus.PENDING, provider=Provider.STRIPE).first()
        if open_payment and open_payment.checkout_url:
            return Checkout(booking=locked, payment=open_payment, url=open_payment.checkout_url)
        payment = _start_payment(locked, PAGE)
    return _open_checkout(locked, payment, urls, now, release_on_failure=first)


def _attempt(client: User, key: str) -> Checkout | None:
    """The page of an attempt already made with this form."""
    if not key:
        return None
    booking = Booking.objects.filter(client=client, idempotency_key=key).select_related("class_session").first()
    if booking is None:
        return None
    payment = booking.payments.filter(provider=Provider.STRIPE).order_by("-pk").first()
    if booking.status == BookingStatus.PENDING and payment and payment.checkout_url:
        return Checkout(booking=booking, payment=payment, url=payment.checkout_url)
    return Checkout(booking=booking, payment=payment, url=booking.get_absolute_url())


def _start_payment(booking: Booking, meta: RequestMeta) -> Payment | None:
    amount = due_online(booking)
    if not amount:
        return None  # nothing due online: the hold is confirmed below
    return record_payment(
        booking=booking, amount=amount, method=Method.ONLINE_CARD, provider=Provider.STRIPE, actor=None, meta=meta
    )


def _open_checkout(
    booking: Booking, payment: Payment | None, urls: ReturnUrls, now: datetime, *, release_on_failure: bool = True
) -> Checkout:
    if payment is None:
        booking = confirm_hold(booking=booking, actor=None, reason="nothing due online")
        return Checkout(booking=booking, payment=None, url=booking.get_absolute_url())
    success, cancel = urls.for_booking(booking)
    assert booking.hold_until is not None
    try:
        page = stripe_api.create_checkout_session(
            items=_line_items(booking, payment),
            currency=payment.currency,
            email=booking.client.email,
            reference=booking.reference,
            metadata={"booking": booking.reference, "payment": str(payment.pk)},
            success_url=success,
            cancel_url=cancel,
            expires_at=max(booking.hold_until, now + STRIPE_MIN_LIFETIME),
            idempotency_key=f"shala-checkout-{booking.reference}-{payment.pk}",
        )
    except stripe_api.StripeError:
        mark_payment_failed(payment=payment, actor=None, reason="checkout could not be opened", meta=TASK)
        if release_on_failure:
            release_hold(booking=booking, to=Status.CANCELLED, actor=None, reason="online payment unavailable")
        raise PaymentError(_("Online payment is not available right now. Please try again in a moment.")) from None
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        checkout_session_id=page.id, checkout_url=page.url
    )
    payment.checkout_session_id, payment.checkout_url = page.id, page.url
    return Checkout(booking=booking, payment=payment, url=page.url)


def _line_items(booking: Booking, payment: Payment) -> list[stripe_api.LineItem]:
    """The price snapshot as Stripe's line items: per spot when the whole price is paid, else one line."""
    if payment.amount == booking.unit_price * booking.quantity:
        return [stripe_api.LineItem(name=booking.title, unit_amount=booking.unit_price, quantity=booking.quantity)]
    name = _("Deposit: %(title)s") % {"title": booking.title} if payment.amount < booking.total else booking.title
    return [stripe_api.LineItem(name=name, unit_amount=payment.amount, quantity=1)]


def open_payment_link(*, booking: Booking, base_url: str) -> str:
    """The Checkout page for an approved request held for payment, as a link to send the client.

    The system's step (after approve_request commits). When Stripe cannot be reached the
    hold stays and the link is the client's "My bookings", where Pay now tries again.
    """
    try:
        started = pay_again(booking=booking, client=booking.client, urls=ReturnUrls(base=base_url))
    except PaymentError:
        return base_url.rstrip("/") + reverse("bookings:mine")
    return started.url
