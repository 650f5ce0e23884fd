"""My bookings lists what the client booked, not the holds of offers they never took."""

import pytest
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from tests.waitlist.conftest import full_class, offer_of, wait
from waitlist import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered():
    session, booked = full_class()
    entry = wait(session)
    booking_services.cancel_booking(booking=booked[0], actor=None)
    return entry, offer_of(entry)


def _listed(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("bookings:mine")).content.decode()


def test_a_declined_offer_is_not_a_cancelled_booking_in_my_bookings(client, offered):
    entry, offer = offered
    services.decline_offer(offer=offer, actor=entry.client)

    hold = Booking.objects.get(pk=offer.booking_id)
    assert hold.status == BookingStatus.CANCELLED  # kept, for the books and admin
    assert hold.reference not in _listed(client, entry.client)


def test_an_expired_offer_is_not_listed_either(client, offered):
    entry, offer = offered
    booking_services.release_hold(booking=offer.booking, to=BookingStatus.EXPIRED, actor=None)
    assert offer.booking.reference not in _listed(client, entry.client)


def test_an_accepted_offer_that_was_cancelled_later_is_still_listed(client, offered):
    entry, offer = offered
    booking = services.accept_offer(offer=offer, actor=entry.client)
    booking_services.cancel_booking(booking=booking, actor=entry.client)
    html = _listed(client, entry.client)
    assert booking.reference in html


def test_a_class_the_client_booked_and_cancelled_is_still_listed(client):
    _session, booked = full_class()
    booking_services.cancel_booking(booking=booked[0], actor=booked[0].client)
    assert booked[0].reference in _listed(client, booked[0].client)


def test_an_open_offer_is_still_listed(client, offered):
    entry, offer = offered
    assert offer.booking.reference in _listed(client, entry.client)
