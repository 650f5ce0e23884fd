"""Joining and leaving the queue of a full class."""

from __future__ import annotations

import pytest

from bookings import services as booking_services
from notifications.models import Notification
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory
from tests.waitlist.conftest import full_class, settings_for, wait
from waitlist import services
from waitlist.models import EntryState, WaitlistEvent

pytestmark = pytest.mark.django_db


def test_it_puts_the_client_in_line_and_says_where():
    session, _ = full_class()
    first = wait(session)
    second = wait(session, 2)

    assert (first.state, second.party_size) == (EntryState.WAITING, 2)
    assert services.position_of(second) == 2
    row = Notification.objects.get(recipient=second.client, kind="waitlist_joined", channel="inapp")
    assert row.context["position"] == 2


def test_it_refuses_while_the_party_fits_in_the_free_spots():
    session = upcoming_class(capacity=3)

    with pytest.raises(services.WaitlistError, match="book them instead"):
        wait(session, 2)


def test_it_accepts_a_party_bigger_than_the_spots_left():
    session = upcoming_class(capacity=3)
    booking_services.book_class(client=UserFactory(), session_id=session.pk, quantity=2)

    assert wait(session, 2).state == EntryState.WAITING


def test_it_refuses_to_queue_the_same_client_twice():
    session, _ = full_class()
    client = UserFactory()
    wait(session, client=client)

    with pytest.raises(services.WaitlistError, match="already on the waitlist"):
        wait(session, client=client)


def test_it_refuses_a_client_who_is_booked_already():
    session, booked = full_class()

    with pytest.raises(services.WaitlistError, match="already have a booking"):
        wait(session, client=booked[0].client)


def test_it_refuses_more_spots_than_a_booking_may_have():
    session, _ = full_class()

    with pytest.raises(services.WaitlistError, match="at most 4 spots"):
        wait(session, 5)


def test_it_refuses_once_the_waitlist_has_closed():
    session, _ = full_class(days=3)
    settings_for(session, cutoff_minutes=4 * 24 * 60)

    with pytest.raises(services.WaitlistError, match="closed"):
        wait(session)


def test_it_refuses_when_staff_switched_the_waitlist_off():
    session, _ = full_class()
    settings_for(session, is_enabled=False)

    with pytest.raises(services.WaitlistError, match="no waitlist"):
        wait(session)


def test_it_refuses_when_the_queue_is_at_its_limit():
    session, _ = full_class()
    settings_for(session, max_waiting=1)
    wait(session)

    with pytest.raises(services.WaitlistError, match="waitlist for this class is full"):
        wait(session)


def test_leaving_frees_the_place_and_writes_an_event():
    session, _ = full_class()
    leaving, staying = wait(session), wait(session)

    services.leave_waitlist(entry=leaving, actor=leaving.client)

    leaving.refresh_from_db()
    assert leaving.state == EntryState.LEFT
    assert services.position_of(staying) == 1
    assert WaitlistEvent.objects.filter(entry=leaving, to_state=EntryState.LEFT, actor=leaving.client).exists()
    wait(session, client=leaving.client)  # and may join again
