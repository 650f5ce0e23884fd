"""The one door to Stripe: Checkout Sessions, their expiry, and refunds, through the official library.

Every call goes through ``client()`` (the secret key, and ``STRIPE_API_BASE``, which the
browser tests point at a stand-in on this machine). Nothing here touches the database:
the services decide and record, this module only speaks to Stripe. Amounts go out in the
currency's minor unit, as Stripe wants them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import stripe
from django.conf import settings

# ISO 4217 currencies without a minor unit (Stripe's list of zero-decimal currencies).
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)

StripeError = stripe.StripeError


def enabled() -> bool:
    """Online payment is on only with a secret key and a webhook secret (else: pay at the studio)."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=1,  # a retry repeats the same Idempotency-Key: Stripe answers it once
    )


def minor_units(amount: Decimal, currency: str) -> int:
    """12.50 EUR -> 1250; 1200 JPY -> 1200."""
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    return int((amount * factor).to_integral_value())


@dataclass(frozen=True)
class LineItem:
    name: str
    unit_amount: Decimal
    quantity: int


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def create_checkout_session(
    *,
    items: list[LineItem],
    currency: str,
    email: str,
    reference: str,
    metadata: dict[str, str],
    success_url: str,
    cancel_url: str,
    expires_at: datetime,
    idempotency_key: str,
) -> CheckoutSession:
    """A hosted Checkout page for one booking attempt; the same key gives back the same session."""
    session = client().v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": item.quantity,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": minor_units(item.unit_amount, currency),
                        "product_data": {"name": item.name},
                    },
                }
                for item in items
            ],
            "customer_email": email,
            "client_reference_id": reference,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(expires_at.timestamp()),
        },
        {"idempotency_key": idempotency_key},
    )
    return CheckoutSession(id=session.id, url=session.url or "")


def expire_checkout_session(session_id: str) -> bool:
    """Close a Checkout page nobody may pay any more; False when Stripe says it is already closed."""
    try:
        client().v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError:
        return False  # already completed or expired: nothing left to close
    return True


def create_refund(
    *, payment_intent: str, amount: Decimal, currency: str, metadata: dict[str, str], idempotency_key: str
) -> str:
    """Give ``amount`` back on a payment; returns Stripe's refund id (confirmed later by webhook)."""
    refund = client().v1.refunds.create(
        {"payment_intent": payment_intent, "amount": minor_units(amount, currency), "metadata": metadata},
        {"idempotency_key": idempotency_key},
    )
    return refund.id


def construct_event(payload: bytes, signature: str) -> stripe.Event:
    """The verified event, or ``ValueError`` / ``stripe.SignatureVerificationError``."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
