"""The change-booking page offers only dates the booking can move to."""

import pytest
from django.urls import reverse

from bookings import services
from tests.bookings.conftest import upcoming_class

pytestmark = pytest.mark.django_db


def _offered(client, booking) -> dict:
    form = client.get(reverse("bookings:change", args=[booking.reference])).context["form"]
    return dict(form["session"].field.choices)


def test_it_does_not_offer_a_date_the_client_already_booked(client, client_user, session):
    booked_too = upcoming_class(days=5, class_type=session.class_type)
    free = upcoming_class(days=6, class_type=session.class_type)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.book_class(client=client_user, session_id=booked_too.pk, quantity=1)
    client.force_login(client_user)
    choices = dict(
        client.get(reverse("bookings:change", args=[booking.reference])).context["form"]["session"].field.choices
    )
    assert free.pk in choices and session.pk in choices  # another date, and "keep"
    assert booked_too.pk not in choices


def test_a_date_booked_and_cancelled_is_offered_again(client, client_user, session):
    other = upcoming_class(days=5, class_type=session.class_type)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    old = services.book_class(client=client_user, session_id=other.pk, quantity=1)
    services.cancel_booking(booking=old, actor=client_user)
    client.force_login(client_user)
    choices = dict(
        client.get(reverse("bookings:change", args=[booking.reference])).context["form"]["session"].field.choices
    )
    assert other.pk in choices
