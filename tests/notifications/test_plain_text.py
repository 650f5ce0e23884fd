"""Names with ' & < > " arrive as typed in text, and escaped exactly once in HTML (issue 13, item 12).

One booking by "Seán O'Brien & Co" for a class called ``Yin <b>&"' Flow`` goes through
every channel for real: e-mail through an SMTP server in the test process (aiosmtpd),
SMS and WhatsApp to Twilio and Meta (faked at the HTTP boundary with ``responses``), the
in-app list, the calendar invitation and the admin's CSV export.
"""

from __future__ import annotations

import csv
import io
import json
from email.header import decode_header, make_header
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import icalendar
import pytest
import responses
from django.urls import reverse
from django.utils import dateformat, translation

from bookings import services
from tests.bookings.conftest import upcoming_class
from tests.factories import ClassTypeFactory, PractitionerFactory, UserFactory
from tests.notifications.conftest import attachment
from tests.notifications.test_sms_whatsapp import (
    AUTH_TOKEN,
    FROM,
    PHONE,
    SID,
    TWILIO_SENT,
    TWILIO_URL,
    WA_PHONE_ID,
    WA_SENT,
    WA_TOKEN,
    WA_URL,
)

pytestmark = pytest.mark.django_db

NAME = "Seán O'Brien & Co"
TITLE = "Yin <b>&\"' Flow"
TITLE_HTML = "Yin &lt;b&gt;&amp;&quot;&#x27; Flow"  # Django's escape(), once
NAME_HTML = "Seán O&#x27;Brien &amp; Co"
MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def providers(settings, monkeypatch):
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = SID, AUTH_TOKEN, FROM
    settings.SMS_ENABLED = True
    settings.WHATSAPP_TOKEN, settings.WHATSAPP_PHONE_NUMBER_ID = WA_TOKEN, WA_PHONE_ID
    settings.WHATSAPP_ENABLED = True
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        http.post(TWILIO_URL, json=TWILIO_SENT, status=201)
        http.post(WA_URL, json=WA_SENT, status=200)
        yield http


@pytest.fixture
def booked(smtp_inbox, providers, django_capture_on_commit_callbacks):
    """The booking, with everything it sent: (booking, client, instructor, inbox, http calls)."""
    client = UserFactory(
        display_name=NAME,
        email="sean@example.com",
        phone=PHONE,
        notify_sms=True,
        notify_whatsapp=True,
        language="en",
        time_zone="Europe/Madrid",
    )
    teacher = UserFactory(display_name="Ana García", email="ana@example.com", language="en", time_zone="Europe/Madrid")
    session = upcoming_class(
        days=4,
        class_type=ClassTypeFactory(title=TITLE),
        instructor=PractitionerFactory(user=teacher, public_name="Ana García"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=client, session_id=session.pk, quantity=1)
    return booking, client, teacher, smtp_inbox, providers


def _when(booking, pattern: str) -> str:
    with translation.override("en"):
        return dateformat.format(booking.class_session.starts_at.astimezone(MADRID), pattern)


def _mail_to(inbox, user):
    (message,) = [m for m in inbox.messages if m["To"] == user.email]
    return message


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _part(message, content_type: str) -> str:
    return next(p for p in message.walk() if p.get_content_type() == content_type).get_payload(decode=True).decode()


def test_the_email_subject_and_text_say_the_names_as_typed(booked, settings):
    booking, client, teacher, inbox, _ = booked
    message = _mail_to(inbox, client)
    assert _subject(message) == f"[{settings.STUDIO_NAME}] Booked: {TITLE}, {_when(booking, 'D j M, H:i')}"
    text = _part(message, "text/plain").splitlines()
    assert text[0] == f"Hello {NAME},"
    assert text[text.index("You're booked:") + 2] == TITLE

    news = _mail_to(inbox, teacher)
    assert _subject(news) == f"[{settings.STUDIO_NAME}] New booking: {NAME}, {TITLE} {_when(booking, 'D j M, H:i')}"
    assert _part(news, "text/plain").splitlines()[0] == f"New booking: {NAME}, {TITLE} {_when(booking, 'D j M, H:i')}"


def test_the_emails_html_part_escapes_them_exactly_once(booked):
    _, client, _, inbox, _ = booked
    html = _part(_mail_to(inbox, client), "text/html")
    assert f"Hello {NAME_HTML}," in html
    assert f"<strong>{TITLE_HTML}</strong>" in html
    assert "&amp;amp;" not in html and "&amp;#x27;" not in html and "<b>" not in html


def test_sms_and_whatsapp_carry_the_names_as_typed(booked):
    booking, *_, http = booked
    text = f"Booked: {TITLE}, {_when(booking, 'D j M H:i')} ({booking.reference})"
    (sms,) = [c for c in http.calls if c.request.url == TWILIO_URL]
    assert parse_qs(sms.request.body)["Body"] == [text]
    (whatsapp,) = [c for c in http.calls if c.request.url == WA_URL]
    body = json.loads(whatsapp.request.body)
    assert body["template"]["components"][0]["parameters"] == [{"type": "text", "text": text}]


def test_the_message_list_escapes_them_exactly_once(booked, client):
    booking, customer, teacher, *_ = booked
    client.force_login(customer)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert f"Booked: {TITLE_HTML}, {_when(booking, 'D j M H:i')} ({booking.reference})" in page
    assert "&amp;lt;" not in page and "&amp;#x27;" not in page

    client.force_login(teacher)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert f"New booking: {NAME_HTML}, {TITLE_HTML} {_when(booking, 'D j M, H:i')}" in page


def test_the_calendar_invitation_names_them_as_typed(booked, settings):
    _, client, _, inbox, _ = booked
    (event,) = icalendar.Calendar.from_ical(attachment(_mail_to(inbox, client))).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{TITLE} ({settings.STUDIO_NAME})"
    assert str(event["ATTENDEE"].params["CN"]) == NAME.replace('"', "'")


def test_the_csv_export_has_them_as_typed(booked, client):
    booking, *_ = booked
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:bookings_booking_changelist"), {"action": "export_csv", "_selected_action": [booking.pk]}
    )
    header, row = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    cells = dict(zip(header, row, strict=True))
    assert (cells["what"], cells["client"]) == (TITLE, NAME)


def test_every_text_template_renders_without_escaping():
    """The mechanism itself: a text template (and what it includes) leaves HTML characters alone."""
    from notifications.text import render_text

    context = {
        **{"class_title": TITLE, "starts_at": None, "ends_at": None, "location": NAME, "room": "", "reference": "R"},
        **{"total": "12.00", "currency": "EUR"},  # booking_context always carries both (the amount's filter needs them)
    }
    text = render_text("notifications/_booking_details.txt", context)
    assert text.splitlines()[0] == TITLE and text.splitlines()[2] == NAME
