"""A real SMTP server in the test process (aiosmtpd), and the settings to reach it."""

from __future__ import annotations

import email
import socket
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """Collects every message the SMTP server accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.fail_next = 0  # refuse this many messages with a temporary error

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next:
            self.fail_next -= 1
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def attachment(message: Message, content_type: str = "text/calendar") -> bytes | None:
    for part in message.walk():
        if part.get_content_type() == content_type:
            return part.get_payload(decode=True)
    return None


# --- calendar invitations and feeds ---------------------------------------------------------


@pytest.fixture
def lotus_studio(settings):
    """A studio whose name and sender address differ from the defaults, to see them in calendars."""
    settings.STUDIO_NAME = "Lotus Studio"
    settings.DEFAULT_FROM_EMAIL = "Lotus Studio <hello@lotus.example>"
    settings.SITE_URL = "https://lotus.example"


@pytest.fixture
def carla(db):
    from tests.factories import UserFactory

    return UserFactory(display_name="Carla Client", email="carla@example.com", time_zone="America/New_York")


@pytest.fixture
def osteopathy(db):
    """(therapy type, therapist): Noor answers requests, every day 09:00-13:00 in Madrid."""
    from datetime import time

    from tests.factories import (
        AvailabilityRuleFactory,
        LocationFactory,
        RoomFactory,
        TherapistFactory,
        TherapistSettingsFactory,
        TherapyDurationFactory,
        TherapyTypeFactory,
    )

    location = LocationFactory(time_zone="Europe/Madrid")
    noor = TherapistFactory(public_name="Noor Haddad", user__email="noor@example.com", user__display_name="Noor")
    TherapistSettingsFactory(practitioner=noor, approval="request", min_notice_hours=2, response_hours=24)
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=noor, weekday=weekday, start_time=time(9), end_time=time(13), location=location
        )
    kind = TherapyTypeFactory(title="Osteopathy", therapists=[noor], rooms=[RoomFactory(location=location)])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    return kind, noor
