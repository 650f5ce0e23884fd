"""change_booking: move to another date of the same class, or change the party size."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import BookingEvent
from bookings.signals import spots_released
from schedules.models import ClassSession
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _taken(s) -> int:
    return ClassSession.objects.values_list("spots_taken", flat=True).get(pk=s.pk)


def test_moving_frees_the_old_spots_claims_the_new_reprices_and_logs(session, client_user):
    later = upcoming_class(days=6, class_type=session.class_type, price="15.00")
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=2)
    freed = []
    spots_released.connect(lambda sender, **kw: freed.append(kw["session_id"]), weak=False, dispatch_uid="mv")
    try:
        services.change_booking(booking=booking, actor=client_user, session_id=later.pk)
    finally:
        spots_released.disconnect(dispatch_uid="mv")
    booking.refresh_from_db()
    assert (booking.class_session_id, booking.total) == (later.pk, Decimal("30.00"))
    assert (_taken(session), _taken(later)) == (0, 2) and freed == [session.pk]
    event = BookingEvent.objects.filter(booking=booking).last()
    assert event.data["old"]["session"] == session.pk and event.data["new"]["session"] == later.pk


def test_changing_the_party_size_claims_or_frees_the_difference(session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.change_booking(booking=booking, actor=client_user, quantity=3)
    assert _taken(session) == 3
    services.change_booking(booking=booking, actor=client_user, quantity=2)
    booking.refresh_from_db()
    assert _taken(session) == 2 and booking.total == Decimal("24.00")


def test_growing_a_party_beyond_the_free_spots_is_refused(client_user):
    small = upcoming_class(capacity=3)
    booking = services.book_class(client=client_user, session_id=small.pk, quantity=2)
    services.book_class(client=UserFactory(), session_id=small.pk, quantity=1)
    with pytest.raises(services.SessionFull):
        services.change_booking(booking=booking, actor=client_user, quantity=3)
    assert _taken(small) == 3


def test_moving_to_another_class_type_is_refused(session, client_user):
    other = upcoming_class(days=5)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    with pytest.raises(services.BookingError, match="same class"):
        services.change_booking(booking=booking, actor=client_user, session_id=other.pk)
    assert (_taken(session), _taken(other)) == (1, 0)


def test_moving_into_a_full_date_is_refused_and_nothing_moves(session, client_user):
    full = upcoming_class(days=6, class_type=session.class_type, capacity=1)
    services.book_class(client=UserFactory(), session_id=full.pk, quantity=1)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    with pytest.raises(services.SessionFull):
        services.change_booking(booking=booking, actor=client_user, session_id=full.pk)
    booking.refresh_from_db()
    assert booking.class_session_id == session.pk and (_taken(session), _taken(full)) == (1, 1)


def test_the_change_page_moves_a_booking(client, session, client_user):
    later = upcoming_class(days=6, class_type=session.class_type)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    client.force_login(client_user)
    url = reverse("bookings:change", args=[booking.reference])
    assert str(later.pk) in client.get(url).content.decode()
    response = client.post(url, {"session": later.pk, "quantity": 2}, follow=True)
    booking.refresh_from_db()
    assert booking.class_session_id == later.pk and booking.quantity == 2
    assert "has been changed" in response.content.decode()


def test_another_client_cannot_change_my_booking(client, session, client_user, other_client):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    client.force_login(other_client)
    url = reverse("bookings:change", args=[booking.reference])
    assert client.get(url).status_code == 404
    assert client.post(url, {"session": session.pk, "quantity": 3}).status_code == 404
    booking.refresh_from_db()
    assert booking.quantity == 1


def test_staff_move_a_booking_from_admin_through_the_same_service(admin_client, session, client_user):
    later = upcoming_class(days=6, class_type=session.class_type)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    change_page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    move_url = reverse("admin:bookings_move", args=[booking.pk])
    assert move_url in change_page
    response = admin_client.post(move_url, {"session": later.pk, "quantity": 2})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.class_session_id, booking.quantity) == (later.pk, 2)
    assert BookingEvent.objects.filter(booking=booking).last().source == "admin"
