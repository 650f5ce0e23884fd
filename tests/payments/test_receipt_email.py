"""The receipt e-mail through a real SMTP server (aiosmtpd): what a studio must put on a receipt."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from bookings import services as booking_services
from payments import services
from payments.models import Method
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def studio(settings):
    settings.STUDIO_NAME = "Lotus Studio"
    settings.STUDIO_ADDRESS = "Calle Mayor 5|28013 Madrid"
    settings.STUDIO_TAX_ID = "ESB12345678"
    settings.SITE_URL = "https://lotus.example"
    settings.PRICES_INCLUDE_TAX_PERCENT = 21


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"]))).strip()


def _text(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode().replace("\r\n", "\n")


def _html(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode().replace("\r\n", "\n")


def test_the_receipt_names_the_items_tax_total_method_reference_and_studio(
    studio,
    smtp_inbox,
    desk,
    django_capture_on_commit_callbacks,
):
    carla = UserFactory(display_name="Carla O'Brien", email="carla@example.com", time_zone="Europe/Madrid")
    session = upcoming_class(price="12.10")
    booking = booking_services.book_class(client=carla, session_id=session.pk, quantity=2)
    assert str(booking.tax) == "4.20"  # 24.20 with 21 % included
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(booking, "20.00", actor=desk, method=Method.CARD_TERMINAL)

    (message,) = [m for m in smtp_inbox.messages if m["To"] == carla.email]
    assert _subject(message) == f"[Lotus Studio] Receipt: €20.00 received for {booking.reference}"
    assert not [p for p in message.walk() if p.get_content_type() == "text/calendar"]  # not an invitation
    text = _text(message)
    assert "Hello Carla O'Brien," in text  # plain text: nothing escaped
    for expected in (
        "Lotus Studio\nCalle Mayor 5\n28013 Madrid\nTax ID: ESB12345678",
        f"2 × {session.class_type.title}",
        "Total: €24.20 (incl. €4.20 tax)",
        "Paid: €20.00 · Card terminal",
        f"Reference: {booking.reference}-{payment.pk}",
        "Still due: €4.20",
        f"https://lotus.example/bookings/{booking.reference}/receipt/",
    ):
        assert expected in text, expected
    html = _html(message)
    assert "ESB12345678" in html and f"/bookings/{booking.reference}/receipt/" in html
    assert "Carla O&#x27;Brien" in html  # the HTML part escapes


def test_without_tax_or_a_tax_id_the_receipt_says_neither(
    smtp_inbox,
    desk,
    booking,
    django_capture_on_commit_callbacks,
):
    booking.client.email = "carla@example.com"
    booking.client.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        pay(booking, actor=desk)
    (message,) = smtp_inbox.messages
    text = _text(message)
    assert "Total: €12.00\n" in text
    assert "tax" not in text.lower()
    assert "Still due" not in text


def test_a_spanish_client_gets_a_spanish_receipt(studio, smtp_inbox, desk, django_capture_on_commit_callbacks):
    lucia = UserFactory(display_name="Lucía", email="lucia@example.com", language="es")
    booking = booking_services.book_class(client=lucia, session_id=upcoming_class().pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        pay(booking, actor=desk, method=Method.CASH)
    (message,) = smtp_inbox.messages
    text = _text(message)
    assert "Hola, Lucía" in text and "Efectivo" in text and "NIF/CIF: ESB12345678" in text
    assert "Recibo" in _subject(message)


def test_a_refund_paid_back_is_mailed(smtp_inbox, desk, paid, django_capture_on_commit_callbacks):
    paid.client.email = "carla@example.com"
    paid.client.save(update_fields=["email"])
    refund = services.record_refund(payment=paid.payments.get(), amount="5.00", actor=desk, reason="goodwill")
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_refund_paid(refund=refund, actor=desk, method=Method.BANK_TRANSFER)
    (message,) = smtp_inbox.messages
    assert _subject(message) == f"[Shala Studio] Refund: €5.00 paid back for {paid.reference}"
    assert "Refunded: €5.00 · Bank transfer" in _text(message)
