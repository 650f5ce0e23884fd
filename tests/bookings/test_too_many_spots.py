"""One message for every "too many spots" case, from the booking form and the change form."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from bookings import services
from bookings.models import BookingPolicy

pytestmark = pytest.mark.django_db
MESSAGE = "You can book at most 4 spots in one booking."


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def four(default_policy) -> BookingPolicy:
    assert default_policy.max_party_size == 4
    return default_policy


@pytest.mark.parametrize("quantity", ["5", "51", "99999", "99999999999999999999"])
def test_booking_too_many_spots_says_the_limit(client, client_user, session, four, quantity):
    client.force_login(client_user)
    response = client.post(
        reverse("bookings:book_class", args=[session.pk]), {"quantity": quantity, "token": "t"}, follow=True
    )
    assert response.status_code == 200
    assert MESSAGE in _said(response)
    assert not client_user.bookings.exists()


@pytest.mark.parametrize("quantity", ["5", "51", "99999"])
def test_changing_to_too_many_spots_says_the_same(client, client_user, session, four, quantity):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    client.force_login(client_user)
    response = client.post(
        reverse("bookings:change", args=[booking.reference]),
        {"session": str(session.pk), "quantity": quantity},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert MESSAGE in _said(response) or MESSAGE in html
    assert "less than or equal" not in html
    booking.refresh_from_db()
    assert booking.quantity == 1


def test_the_service_says_it_too(client_user, session, four):
    with pytest.raises(services.BookingError, match=MESSAGE):
        services.book_class(client=client_user, session_id=session.pk, quantity=5)
