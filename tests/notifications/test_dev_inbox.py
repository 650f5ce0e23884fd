"""`make run`'s e-mail: printed, kept as .eml files in var/mail/, and listed at /dev/inbox/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives, get_connection

from notifications import devmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BACKEND = "notifications.devmail.EmailBackend"


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.DEBUG = True
    return tmp_path / "mail"


def _send(subject: str, body: str, *, at: datetime, to: str = "nora@example.com") -> None:
    with time_machine.travel(at, tick=False):
        message = EmailMultiAlternatives(subject, body, "Shala Studio <no-reply@localhost>", [to])
        message.attach_alternative(f"<p>{body}</p>", "text/html")
        message.attach("class.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
        get_connection(BACKEND).send_messages([message])


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True))
    return client


def test_it_prints_each_message_and_keeps_it_as_an_eml_file(mail_dir, capsys):
    _send("Confirm your e-mail", "Open http://127.0.0.1:8000/accounts/confirm-email/abc/", at=datetime.now(UTC))

    (kept,) = mail_dir.glob("*.eml")
    assert "Confirm your e-mail" in capsys.readouterr().out
    assert b"Subject: Confirm your e-mail" in kept.read_bytes()
    assert not list(mail_dir.glob(".*"))  # no half-written file left behind


def test_the_dev_inbox_lists_the_messages_newest_first(mail_dir, staff_client):
    now = datetime.now(UTC)
    _send("Older message", "one", at=now - timedelta(minutes=5))
    _send("Newer message", "two", at=now)

    html = staff_client.get("/dev/inbox/").content.decode()

    assert html.index("Newer message") < html.index("Older message")


def test_a_message_shows_its_text_with_clickable_links_and_its_attachments(mail_dir, staff_client):
    text = "Open http://127.0.0.1:8000/accounts/confirm-email/abc/ to confirm."
    _send("Confirm your e-mail", text, at=datetime.now(UTC))
    (mail,) = devmail.stored_mails()

    response = staff_client.get(f"/dev/inbox/{mail.name}")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="http://127.0.0.1:8000/accounts/confirm-email/abc/"' in html
    assert "class.ics" in html


def test_it_is_a_404_for_everyone_when_debug_is_off(mail_dir, staff_client, settings):
    _send("Secret", "text", at=datetime.now(UTC))
    (mail,) = devmail.stored_mails()
    settings.DEBUG = False

    assert staff_client.get("/dev/inbox/").status_code == 404
    assert staff_client.get(f"/dev/inbox/{mail.name}").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "client"])
def test_only_staff_may_read_it(mail_dir, client, who):
    _send("Secret", "text", at=datetime.now(UTC))
    if who == "client":
        client.force_login(UserFactory(is_staff=False))

    response = client.get("/dev/inbox/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert b"Secret" not in response.content


@pytest.mark.parametrize("name", ["..%2F..%2Fconfig%2Fsettings.py", "20260101T000000000000-deadbeef.eml", "x.eml"])
def test_a_name_the_backend_did_not_write_is_a_404(mail_dir, staff_client, name):
    assert staff_client.get(f"/dev/inbox/{name}").status_code == 404


def test_it_shows_when_a_message_was_sent_in_the_viewers_zone(mail_dir, client):
    client.force_login(UserFactory(is_staff=True, time_zone="America/New_York"))
    _send("Booked", "text", at=datetime(2026, 3, 10, 15, 0, tzinfo=UTC))  # 11:00 in New York (EDT)

    html = client.get("/dev/inbox/").content.decode()

    assert "March 10, 2026, 11 a.m." in html
