"""SMS through Twilio and WhatsApp through Meta's Cloud API, faked only at the HTTP boundary."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.utils import timezone

from notifications import services
from notifications.models import Notification, OutboxStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SID, AUTH_TOKEN, FROM = "AC0123456789abcdef0123456789abcdef", "twilio-secret", "+15005550006"
TWILIO_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
WA_TOKEN, WA_PHONE_ID = "meta-secret", "106540352242922"
WA_URL = f"https://graph.facebook.com/v21.0/{WA_PHONE_ID}/messages"
PHONE = "+34600111222"

CONTEXT = {"class_title": "Hatha Flow", "starts_at": "2026-11-02T17:00:00+00:00", "reference": "B7K2QX"}
TEXT = "Booked: Hatha Flow, Mon 2 Nov 18:00 (B7K2QX)"  # 17:00 UTC in the recipient's Madrid

TWILIO_SENT = {"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": PHONE, "from": FROM}
WA_SENT = {"messaging_product": "whatsapp", "contacts": [{"wa_id": "34600111222"}], "messages": [{"id": "wamid.X"}]}


@pytest.fixture
def http():
    """Every outgoing HTTP request must match one registered here; anything else fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def providers(settings, monkeypatch):
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = SID, AUTH_TOKEN, FROM
    settings.SMS_ENABLED = True
    settings.WHATSAPP_TOKEN, settings.WHATSAPP_PHONE_NUMBER_ID = WA_TOKEN, WA_PHONE_ID
    settings.WHATSAPP_TEMPLATE = "shala_notification"
    settings.WHATSAPP_ENABLED = True


def _client(**kwargs):
    return UserFactory(**{"phone": PHONE, "notify_sms": True, "notify_whatsapp": True, "language": "en", **kwargs})


def _send(user, channel: str) -> Notification:
    services.notify(
        recipient=user, kind="booking_confirmed", context=CONTEXT, dedupe_key="booking:1", channels=[channel]
    )
    row = Notification.objects.get(dedupe_key=f"booking:1:{channel}")
    services.deliver(row.pk)
    row.refresh_from_db()
    return row


def _twilio_error(status: int, code: int, message: str) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _meta_error(code: int, message: str) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}}


def test_it_sends_an_sms_through_twilio_with_the_short_text(providers, http):
    http.post(TWILIO_URL, json=TWILIO_SENT, status=201)
    row = _send(_client(), "sms")
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, "")
    assert row.sent_at is not None
    (call,) = http.calls
    assert call.request.url == TWILIO_URL and call.request.method == "POST"
    basic = base64.b64encode(f"{SID}:{AUTH_TOKEN}".encode()).decode()
    assert call.request.headers["Authorization"] == f"Basic {basic}"
    assert parse_qs(call.request.body) == {"To": [PHONE], "From": [FROM], "Body": [TEXT]}


def test_it_sends_a_whatsapp_template_through_the_cloud_api(providers, http):
    http.post(WA_URL, json=WA_SENT, status=200)
    row = _send(_client(), "whatsapp")
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, "")
    (call,) = http.calls
    assert call.request.url == WA_URL and call.request.method == "POST"
    assert call.request.headers["Authorization"] == f"Bearer {WA_TOKEN}"
    assert json.loads(call.request.body) == {
        "messaging_product": "whatsapp",
        "to": "34600111222",
        "type": "template",
        "template": {
            "name": "shala_notification",
            "language": {"code": "en"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": TEXT}]}],
        },
    }


def test_it_sends_whatsapp_with_the_configured_template(providers, http, settings):
    settings.WHATSAPP_TEMPLATE = "studio_update"
    http.post(WA_URL, json=WA_SENT, status=200)
    _send(_client(), "whatsapp")
    assert json.loads(http.calls[0].request.body)["template"]["name"] == "studio_update"


def test_it_fails_an_sms_to_an_invalid_number_without_retrying(providers, http):
    message = f"The 'To' number {PHONE} is not a valid phone number."
    http.post(TWILIO_URL, json=_twilio_error(400, 21211, message), status=400)
    row = _send(_client(), "sms")
    assert row.status == OutboxStatus.FAILED
    assert message in row.last_error and "21211" in row.last_error
    assert services.sweep() == 0 and len(http.calls) == 1


def test_it_fails_an_sms_permanently_when_twilio_refuses_the_credentials(providers, http):
    http.post(TWILIO_URL, json=_twilio_error(401, 20003, "Authenticate"), status=401)
    row = _send(_client(), "sms")
    assert row.status == OutboxStatus.FAILED and "Authenticate" in row.last_error


def test_it_fails_a_whatsapp_message_to_an_invalid_number_without_retrying(providers, http):
    message = "(#100) Invalid parameter"
    http.post(WA_URL, json=_meta_error(100, message), status=400)
    row = _send(_client(), "whatsapp")
    assert row.status == OutboxStatus.FAILED and message in row.last_error and "400" in row.last_error
    assert services.sweep() == 0 and len(http.calls) == 1


def test_it_fails_a_whatsapp_message_permanently_when_the_token_is_refused(providers, http):
    http.post(WA_URL, json=_meta_error(190, "Error validating access token"), status=401)
    row = _send(_client(), "whatsapp")
    assert row.status == OutboxStatus.FAILED and "Error validating access token" in row.last_error


def test_it_retries_an_sms_with_backoff_after_a_twilio_server_error(providers, http):
    http.post(TWILIO_URL, json=_twilio_error(500, 20500, "Internal Server Error"), status=500)
    row = _send(_client(), "sms")
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "Internal Server Error" in row.last_error
    assert row.next_attempt_at > timezone.now()


def test_it_retries_an_sms_that_twilio_rate_limited(providers, http):
    http.post(TWILIO_URL, json=_twilio_error(429, 20429, "Too Many Requests"), status=429)
    row = _send(_client(), "sms")
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1) and "Too Many Requests" in row.last_error


def test_it_sends_a_retried_sms_once_twilio_is_back(providers, http):
    http.post(TWILIO_URL, json=_twilio_error(503, 20503, "Service Unavailable"), status=503)
    http.post(TWILIO_URL, json=TWILIO_SENT, status=201)
    row = _send(_client(), "sms")
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert services.sweep() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, len(http.calls)) == (OutboxStatus.SENT, 2, 2)


def test_it_retries_a_whatsapp_message_with_backoff_after_a_server_error(providers, http):
    http.post(WA_URL, json=_meta_error(131000, "Something went wrong"), status=500)
    row = _send(_client(), "whatsapp")
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "Something went wrong" in row.last_error
    assert row.next_attempt_at > timezone.now()


def test_it_retries_whatsapp_when_meta_throttles_with_a_400(providers, http):
    http.post(WA_URL, json=_meta_error(130429, "Rate limit hit"), status=400)
    row = _send(_client(), "whatsapp")
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1) and "Rate limit hit" in row.last_error


def test_it_retries_when_the_provider_cannot_be_reached(providers, http):
    http.post(WA_URL, body=requests.ConnectionError("Connection refused"))
    row = _send(_client(), "whatsapp")
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1) and "Connection refused" in row.last_error


def test_it_skips_sms_when_twilio_is_not_configured(providers, http, settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.TWILIO_FROM_NUMBER = ""
    settings.SMS_ENABLED = False
    row = _send(_client(), "sms")
    assert row.status == OutboxStatus.SKIPPED and not http.calls


def test_it_skips_whatsapp_when_the_cloud_api_is_not_configured(providers, http, settings):
    settings.WHATSAPP_TOKEN = settings.WHATSAPP_PHONE_NUMBER_ID = ""
    settings.WHATSAPP_ENABLED = False
    row = _send(_client(), "whatsapp")
    assert row.status == OutboxStatus.SKIPPED and not http.calls


def test_it_skips_an_sms_the_recipient_turned_off_after_it_was_queued(providers, http):
    user = _client()
    services.notify(recipient=user, kind="booking_confirmed", context=CONTEXT, dedupe_key="b", channels=["sms"])
    user.notify_sms = False
    user.save(update_fields=["notify_sms"])
    services.deliver(key="b:sms")
    assert Notification.objects.get(dedupe_key="b:sms").status == OutboxStatus.SKIPPED and not http.calls


def test_it_fails_an_sms_to_a_recipient_without_a_phone_number(providers, http):
    row = _send(_client(phone=""), "sms")
    assert row.status == OutboxStatus.FAILED and "no phone number" in row.last_error and not http.calls


def test_it_fails_a_whatsapp_message_to_a_recipient_without_a_phone_number(providers, http):
    row = _send(_client(phone=""), "whatsapp")
    assert row.status == OutboxStatus.FAILED and "no phone number" in row.last_error and not http.calls


def test_it_does_not_queue_sms_or_whatsapp_for_a_recipient_without_a_phone_number(providers):
    assert services.channels_for(_client(phone="")) == ["inapp", "email"]


def test_it_queues_sms_and_whatsapp_for_a_recipient_who_chose_them(providers):
    assert services.channels_for(_client()) == ["inapp", "email", "sms", "whatsapp"]


def test_it_fails_a_kind_without_a_short_text(providers, http):
    user = _client()
    services.notify(recipient=user, kind="no_such_message", context={}, dedupe_key="n", channels=["sms"])
    services.deliver(key="n:sms")
    row = Notification.objects.get(dedupe_key="n:sms")
    assert row.status == OutboxStatus.FAILED and "No template" in row.last_error and not http.calls
