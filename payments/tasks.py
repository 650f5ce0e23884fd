"""Celery tasks of the ledger: thin, idempotent, given ids."""

from celery import shared_task

from payments import holds, refund_api, stripe_api


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
