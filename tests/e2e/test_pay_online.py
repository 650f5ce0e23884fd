"""Paying online in a browser: book a pay-online class, pay on a stand-in Checkout page, cancel, get the money back.

The real Stripe is outside this machine, so the test serves a stand-in on the loopback:
the stripe library's API base points at it (``STRIPE_API_BASE``), it answers the Checkout
Session, refund and expire calls as Stripe does (and keeps what it was asked), and its
hosted page has one "Pay" link back to the success address. The test then delivers the
signed webhooks over HTTP, as Stripe would, and the booking follows.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from payments.models import Payment, Refund, RefundStatus
from schedules.models import PaymentMode
from tests.e2e.test_bookings import a_client, bookable, default_policy, log_in  # noqa: F401

pytestmark = pytest.mark.e2e
SECRET = "whsec_e2e"


class StandIn(BaseHTTPRequestHandler):
    """Stripe's API and hosted Checkout page, as far as this flow needs them."""

    asked: list[tuple[str, dict[str, str]]] = []
    sessions: dict[str, dict[str, str]] = {}

    def log_message(self, *args) -> None:  # quiet
        pass

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.asked.append((self.path, fields | {"Idempotency-Key": self.headers.get("Idempotency-Key", "")}))
        if self.path == "/v1/checkout/sessions":
            sid = f"cs_e2e_{len(self.sessions) + 1}"
            self.sessions[sid] = fields
            host = self.headers["Host"]
            self._json({"id": sid, "object": "checkout.session", "url": f"http://{host}/pay/{sid}"})
        elif self.path == "/v1/refunds":
            self._json({"id": "re_e2e_1", "object": "refund", "status": "pending"})
        else:
            self._json({"id": self.path.split("/")[-2], "object": "checkout.session", "status": "expired"})

    def do_GET(self) -> None:
        sid = self.path.rsplit("/", 1)[-1]
        back = self.sessions[sid]["success_url"].replace("{CHECKOUT_SESSION_ID}", sid)
        name = self.sessions[sid]["line_items[0][price_data][product_data][name]"]
        html = f'<!doctype html><title>Checkout</title><h1>Stand-in Checkout</h1><p>{name}</p><a href="{back}">Pay</a>'
        data = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def stand_in(settings):
    StandIn.asked, StandIn.sessions = [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_e2e", SECRET
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_port}"
    # The booking form's redirect to the hosted page is allowed by the CSP's form-action.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", settings.STRIPE_API_BASE]
    settings.CONTENT_SECURITY_POLICY = policy
    yield StandIn
    server.shutdown()
    server.server_close()


def deliver(live_server, kind: str, obj: dict) -> None:
    """A webhook as Stripe sends it: the JSON and its signature, over HTTP."""
    payload = json.dumps({"id": f"evt_e2e_{time.time_ns()}", "object": "event", "type": kind, "data": {"object": obj}})
    stamp = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    response = requests.post(
        f"{live_server.url}/payments/stripe/webhook/",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": f"t={stamp},v1={mac}"},
        timeout=30,
    )
    assert response.status_code == 200


def test_it_pays_online_and_gets_the_money_back_on_cancelling(live_server, page, studio, stand_in):
    client = a_client("carla@example.com", "Carla Client")
    session = bookable(free=1)
    session.class_type.payment_mode = PaymentMode.ONLINE
    session.class_type.save()
    log_in(page, live_server, client)

    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    page.get_by_test_id("booking-panel").get_by_role("button", name="Book and pay online").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Stand-in Checkout")
    booking = Booking.objects.get(client=client)
    assert booking.status == BookingStatus.PENDING
    path, asked = stand_in.asked[0]
    assert path == "/v1/checkout/sessions" and asked["client_reference_id"] == booking.reference
    assert asked["customer_email"] == client.email

    page.get_by_role("link", name="Pay").click()

    expect(page.get_by_test_id("payment-confirming")).to_have_text("Payment received, confirming…")
    payment = Payment.objects.get(booking=booking)
    deliver(
        live_server,
        "checkout.session.completed",
        {
            "id": payment.checkout_session_id,
            "object": "checkout.session",
            "payment_status": "paid",
            "payment_intent": "pi_e2e_1",
            "metadata": {"payment": str(payment.pk), "booking": booking.reference},
        },
    )

    # The page refreshes by itself and finds the booking confirmed.
    expect(page).to_have_url(f"{live_server.url}{booking.get_absolute_url()}", timeout=15000)
    expect(page.get_by_role("alert")).to_contain_text("Payment received: you're booked!")
    page.goto(f"{live_server.url}/bookings/")
    row = page.get_by_test_id("booking-row").filter(has_text=booking.reference)
    expect(row).to_contain_text("Paid")

    row.get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Yes, cancel it").click()

    row = page.get_by_test_id("booking-row").filter(has_text=booking.reference)
    expect(row).to_contain_text("Refund owed")
    refund = Refund.objects.get(booking=booking)
    assert refund.status == RefundStatus.PENDING and refund.provider_refund_id == "re_e2e_1"
    refund_call = next(fields for path, fields in stand_in.asked if path == "/v1/refunds")
    assert refund_call["payment_intent"] == "pi_e2e_1" and refund_call["Idempotency-Key"] == f"shala-refund-{refund.pk}"

    deliver(live_server, "refund.updated", {"id": "re_e2e_1", "object": "refund", "status": "succeeded"})
    page.reload()

    row = page.get_by_test_id("booking-row").filter(has_text=booking.reference)
    expect(row).to_contain_text("Refunded")
