"""Stripe at the HTTP boundary: the test keys, signed webhook deliveries, and canned API answers.

Signatures are computed here with the test secret (``t=…,v1=HMAC-SHA256``) and verified by
the real ``stripe`` library inside the endpoint; API calls are caught by ``responses``
and their exact requests read back by the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from django.urls import reverse

SECRET_KEY = "sk_test_shala"
WEBHOOK_SECRET = "whsec_test_shala"
API = "https://api.stripe.com"
SESSIONS = f"{API}/v1/checkout/sessions"
REFUNDS = f"{API}/v1/refunds"
_ids = itertools.count(1)


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_shala"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = API
    return settings


@pytest.fixture
def stripe_http():
    """Every Stripe call must be one the test registered; none reaches the network."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def answer_checkout(mock: responses.RequestsMock, session_id: str = "cs_test_1", status: int = 200) -> None:
    body: dict[str, Any] = {"id": session_id, "object": "checkout.session", "url": checkout_url(session_id)}
    if status != 200:
        body = {"error": {"type": "api_error", "message": "Stripe is down"}}
    mock.add(responses.POST, SESSIONS, json=body, status=status)


def answer_expire(mock: responses.RequestsMock, session_id: str) -> None:
    mock.add(
        responses.POST,
        f"{SESSIONS}/{session_id}/expire",
        json={"id": session_id, "object": "checkout.session", "status": "expired"},
    )


def answer_refund(mock: responses.RequestsMock, refund_id: str = "re_test_1") -> None:
    mock.add(responses.POST, REFUNDS, json={"id": refund_id, "object": "refund", "status": "pending"})


def checkout_url(session_id: str) -> str:
    return f"https://checkout.stripe.com/c/pay/{session_id}"


def form(call) -> dict[str, str]:
    """A recorded request's form-encoded body, one value per field."""
    return {
        k: v[0]
        for k, v in parse_qs(
            call.request.body if isinstance(call.request.body, str) else call.request.body.decode()
        ).items()
    }


def calls_to(mock: responses.RequestsMock, url: str) -> list:
    return [c for c in mock.calls if c.request.url == url]


def signed(payload: str, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def event(kind: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_test_{next(_ids)}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def session_obj(payment, *, session_id: str | None = None, paid: bool = True, intent: str = "pi_test_1") -> dict:
    return {
        "id": session_id or payment.checkout_session_id,
        "object": "checkout.session",
        "payment_status": "paid" if paid else "unpaid",
        "payment_intent": intent,
        "client_reference_id": payment.booking.reference,
        "metadata": {"booking": payment.booking.reference, "payment": str(payment.pk)},
    }


def deliver(web_client, ev: dict[str, Any], *, signature: str | None = None):
    """POST an event to the webhook as Stripe does: the raw JSON and its signature."""
    payload = json.dumps(ev)
    headers = {} if signature == "" else {"HTTP_STRIPE_SIGNATURE": signature or signed(payload)}
    return web_client.post(reverse("payments:stripe_webhook"), data=payload, content_type="application/json", **headers)
