"""Booking events record the client's address and browser, not the proxy's (accounts.client_ip)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookings.models import BookingEvent

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # nginx, as gunicorn sees it
CLIENT = "203.0.113.5"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


def _book_through_the_proxy(client, session, forwarded_for: str):
    return client.post(
        reverse("bookings:book_class", args=[session.pk]),
        {"quantity": 1, "token": "event-address"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
        HTTP_USER_AGENT=BROWSER,
    )


def test_a_booking_behind_the_proxy_records_the_clients_address(client, settings, session, client_user):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(client_user)

    response = _book_through_the_proxy(client, session, f"198.51.100.66, {CLIENT}")  # left-most made up

    assert response.status_code == 302
    event = BookingEvent.objects.get(booking__client=client_user)
    assert (event.ip_address, event.user_agent) == (CLIENT, BROWSER)


def test_a_user_agent_with_control_characters_is_recorded_without_them(client, settings, session, client_user):
    client.force_login(client_user)

    response = client.post(
        reverse("bookings:book_class", args=[session.pk]),
        {"quantity": 1, "token": "event-agent"},
        HTTP_USER_AGENT="Mozilla/5.0\x00 (evil)\r\n" + "x" * 300,
    )

    assert response.status_code == 302
    event = BookingEvent.objects.get(booking__client=client_user)
    assert event.user_agent == ("Mozilla/5.0 (evil)" + "x" * 300)[:255]
