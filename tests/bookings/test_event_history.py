"""History keeps who did it after the account is gone.

A booking event (and a waitlist or therapy-wish event) stores the actor's name on the
row; deleting the staff account leaves ``actor`` empty and the name in place, and the
admin shows it as a deleted account rather than as nobody.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from bookings import services
from bookings.models import BookingEvent
from tests.factories import UserFactory, staff_with
from tests.waitlist.conftest import full_class, wait
from waitlist import services as waitlist_services
from waitlist.models import WaitlistEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk() -> User:
    return staff_with("bookings.change_booking", "waitlist.change_waitlistentry", display_name="Marta Desk")


def test_a_cancellation_keeps_the_staff_members_name_after_their_account_is_deleted(session, client_user, desk):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.cancel_booking(booking=booking, actor=desk, reason="Class moved")

    desk.delete()

    event = BookingEvent.objects.get(booking=booking, to_status="cancelled")
    assert event.actor_id is None
    assert event.actor_name == "Marta Desk"
    assert event.who == "Marta Desk (account deleted)"
    first = BookingEvent.objects.get(booking=booking, from_status="")
    assert (first.actor_name, first.who) == ("Carla Client", "Carla Client")  # the client booked it


def test_the_bookings_admin_history_shows_the_kept_name(client, session, client_user, desk):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.cancel_booking(booking=booking, actor=desk, reason="Class moved")
    desk.delete()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    assert page.status_code == 200
    assert "Marta Desk (account deleted)" in page.content.decode()


def test_waitlist_history_keeps_the_name_too(desk):
    session, _ = full_class()
    entry = wait(session)
    waitlist_services.remove_entry(entry=entry, actor=desk)

    desk.delete()

    event = WaitlistEvent.objects.get(entry=entry, to_state="removed")
    assert (event.actor_id, event.actor_name) == (None, "Marta Desk")


def test_the_migration_fills_the_name_of_existing_events_from_their_actor(session, client_user, desk):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.cancel_booking(booking=booking, actor=desk, reason="Class moved")
    BookingEvent.objects.update(actor_name="")  # as rows were before the column existed
    session_entry = wait(full_class()[0])
    waitlist_services.remove_entry(entry=session_entry, actor=desk)
    WaitlistEvent.objects.update(actor_name="")

    importlib.import_module("bookings.migrations.0006_event_actor_name").backfill(apps, None)
    importlib.import_module("waitlist.migrations.0004_event_actor_name").backfill(apps, None)

    assert dict(BookingEvent.objects.filter(booking=booking).values_list("to_status", "actor_name")) == {
        "confirmed": "Carla Client",
        "cancelled": "Marta Desk",
    }
    assert WaitlistEvent.objects.get(entry=session_entry, to_state="removed").actor_name == "Marta Desk"
