"""Celery tasks of the ledger: thin, idempotent, given ids; the beat's wrappers over its messages."""

from celery import shared_task

from payments import holds, messages, refund_api, stripe_api


@shared_task(
    name="payments.send_stripe_refund",
    ignore_result=True,
    autoretry_for=(stripe_api.StripeError,),
    retry_backoff=30,
    max_retries=8,
)
def send_stripe_refund(refund_id: int) -> str:
    """Send an owed refund of an online payment to Stripe (its own Idempotency-Key)."""
    return refund_api.send_refund(refund_id)


@shared_task(
    name="payments.expire_checkout",
    ignore_result=True,
    autoretry_for=(stripe_api.StripeError,),
    retry_backoff=30,
    max_retries=8,
)
def expire_checkout(session_id: str) -> bool:
    """Close the Checkout page of a hold that ended (Stripe refuses lifetimes under 30 minutes)."""
    return stripe_api.expire_checkout_session(session_id)


@shared_task(name="payments.expire_payment_holds", ignore_result=True)
def expire_payment_holds() -> int:
    """Holds waiting for an online payment past their deadline: released, Checkout pages closed."""
    return holds.expire_payment_holds()


@shared_task(name="payments.send_payment_link", ignore_result=True)
def send_payment_link(booking_id: int) -> None:
    """Open the Checkout page of an approved request held for payment and tell the client."""
    from django.conf import settings
    from django.db import transaction

    from bookings import messages
    from bookings.models import Booking, BookingStatus
    from payments.checkout import open_payment_link

    booking = Booking.objects.select_related("client", "therapy_type").get(pk=booking_id)
    if booking.status != BookingStatus.PENDING:
        return
    url = open_payment_link(booking=booking, base_url=settings.SITE_URL)
    with transaction.atomic():
        booking.refresh_from_db()
        if booking.status == BookingStatus.PENDING:
            messages.payment_link(booking, pay_url=url)


@shared_task(name="payments.send_balance_due_reminders", ignore_result=True)
def send_balance_due_reminders() -> int:
    """Tell clients who still owe money before their session; once per booking."""
    return messages.send_balance_due_reminders()
