"""In-app messages: the bell's unread count and the message list."""

import pytest
from django.urls import reverse

from bookings import services
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_booking_shows_in_the_bell_and_the_list_until_read(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=user, session_id=upcoming_class().pk, quantity=1)
    client.force_login(user)
    page = client.get(reverse("schedules:timetable")).content.decode()
    assert 'data-testid="bell"' in page and 'text-bg-danger">1<' in page
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert f"Booked: {booking.class_session.class_type.title}" in inbox and booking.reference in inbox
    client.post(reverse("notifications:mark_all_read"))
    assert 'text-bg-danger">' not in client.get(reverse("schedules:timetable")).content.decode()


def test_nobody_sees_another_persons_messages(client, django_capture_on_commit_callbacks):
    owner, other = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=owner, session_id=upcoming_class().pk, quantity=1)
    client.force_login(other)
    assert booking.reference not in client.get(reverse("notifications:inbox")).content.decode()
    client.post(reverse("notifications:mark_all_read"))
    client.force_login(owner)
    assert 'text-bg-danger">1<' in client.get(reverse("schedules:timetable")).content.decode()


def test_the_inbox_needs_a_login(client):
    assert client.get(reverse("notifications:inbox")).status_code == 302


def test_sms_and_whatsapp_choices_are_disabled_without_a_provider(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "Not available at this studio yet." in html


def test_choosing_sms_needs_a_phone_number(client, settings):
    settings.SMS_ENABLED = True
    user = UserFactory(phone="")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "X",
            "time_zone": "Europe/Madrid",
            "language": "en",
            "notify_email": "on",
            "notify_sms": "on",
        },
    )
    assert "Add a phone number" in response.content.decode()
    user.refresh_from_db()
    assert not user.notify_sms
