"""The SMS and WhatsApp providers' HTTP APIs, and which of their errors are worth retrying.

Each call either returns the provider's message id, raises ``Rejected`` (the provider
refused the message and would refuse it again: a bad number, wrong credentials, an
unknown template) or lets another exception through (rate limits, 5xx, network
trouble), which the outbox retries with backoff.
"""

from __future__ import annotations

from typing import Any

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# Seconds to wait for a provider to connect and to answer; a slow provider is retried later.
TIMEOUT = 10

GRAPH_API = "https://graph.facebook.com"

# Meta answers some temporary conditions (throttling, "try again later") with HTTP 400:
# these codes are retried whatever the status. https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
WHATSAPP_TRANSIENT_CODES = frozenset({1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133016})


class Rejected(Exception):
    """The provider refused the message; sending it again would fail the same way."""


class Unavailable(Exception):
    """The provider could not take the message now (rate limit, outage); try again later."""


def _retryable(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


# --- Twilio (SMS) ------------------------------------------------------------------------

_twilio_http: TwilioHttpClient | None = None


def _twilio_client(account_sid: str, auth_token: str) -> Client:
    global _twilio_http
    if _twilio_http is None:  # one connection pool per process
        _twilio_http = TwilioHttpClient(timeout=TIMEOUT)
    return Client(account_sid, auth_token, http_client=_twilio_http)


def send_sms(*, account_sid: str, auth_token: str, from_number: str, to: str, body: str) -> str:
    """Send one SMS through Twilio's Messages API; returns the message SID."""
    try:
        message = _twilio_client(account_sid, auth_token).messages.create(to=to, from_=from_number, body=body)
    except TwilioException as exc:
        status = getattr(exc, "status", None)
        code = getattr(exc, "code", None)
        # str(exc) is coloured for a terminal; build the text from its parts.
        text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", None) or repr(exc)
        reason = f"Twilio HTTP {status}" + (f", error {code}" if code else "") + f": {text}"
        if _retryable(status):
            raise Unavailable(reason) from exc
        raise Rejected(reason) from exc
    return message.sid


# --- Meta WhatsApp Cloud API ---------------------------------------------------------------


def send_whatsapp_template(
    *,
    token: str,
    phone_number_id: str,
    api_version: str,
    to: str,
    template: str,
    language: str,
    text: str,
) -> str:
    """Send an approved template with one body parameter; returns the WhatsApp message id.

    ``to`` is the number in E.164 without the leading ``+``. An accepted message may
    still go undelivered (the number is not on WhatsApp): Meta reports that later, by
    webhook, not here.
    """
    url = f"{GRAPH_API}/{api_version}/{phone_number_id}/messages"
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
        },
    }
    response = requests.post(url, json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    if response.ok:
        messages = response.json().get("messages") or [{}]
        return messages[0].get("id", "")
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    if not isinstance(error, dict):
        error = {}
    code = error.get("code")
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    text = error.get("message") or response.text[:500] or response.reason
    if details and details not in text:
        text = f"{text} ({details})"
    reason = f"WhatsApp HTTP {response.status_code}" + (f", error {code}" if code else "") + f": {text}"
    if _retryable(response.status_code) or code in WHATSAPP_TRANSIENT_CODES:
        raise Unavailable(reason)
    raise Rejected(reason)
