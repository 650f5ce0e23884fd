"""Client booking pages: booking from the class page, my bookings, cancel with preview."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from bookings import services
from bookings.models import Booking
from schedules.models import ClassSession
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _token(client, session) -> str:
    html = client.get(session.get_absolute_url()).content.decode()
    return re.search(r'name="token" value="(\w+)"', html).group(1)


def _book(client, session, quantity=1, token=None, **extra):
    data = {"quantity": quantity, "token": token or _token(client, session), **extra}
    return client.post(reverse("bookings:book_class", args=[session.pk]), data, follow=True)


def test_the_class_page_offers_a_booking_form_to_a_logged_in_client(client, session, client_user):
    client.force_login(client_user)
    html = client.get(session.get_absolute_url()).content.decode()
    assert 'data-testid="booking-panel"' in html and 'name="quantity"' in html and "Book" in html


def test_an_anonymous_visitor_is_asked_to_log_in_to_book(client, session):
    html = client.get(session.get_absolute_url()).content.decode()
    assert "Log in to book" in html and 'name="quantity"' not in html


def test_booking_shows_the_confirmation_with_reference_and_price(client, session, client_user):
    client.force_login(client_user)
    response = _book(client, session, quantity=2, note="Pregnant, 20 weeks")
    booking = Booking.objects.get()
    assert response.redirect_chain[-1][0] == booking.get_absolute_url()
    html = response.content.decode()
    assert booking.reference in html and "€24.00" in html and "Pregnant, 20 weeks" in html
    assert "You&#x27;re booked!" in html or "You're booked!" in html


def test_a_booking_post_sends_a_fixed_set_of_queries(client, session, client_user, django_assert_num_queries):
    """The booking request's round trips, pinned (DESIGN: count queries per request):
    the session from Redis; the user; the class with its type, place and instructor;
    the policy from the cache; then the client's row lock, booking, event, outbox and
    the claim last in one transaction (two savepoint statements around it here, BEGIN
    and COMMIT in production). The client's lock is the price of the one lock order: a
    promotion holding the session can then take the client without waiting on this
    booking (bookings.services)."""
    client.force_login(client_user)
    token = _token(client, session)  # the page view also warms the policy cache
    with django_assert_num_queries(9):
        response = client.post(reverse("bookings:book_class", args=[session.pk]), {"quantity": 1, "token": token})
    assert response.status_code == 302 and Booking.objects.filter(client=client_user).count() == 1


def test_double_submitting_the_same_form_books_once(client, session, client_user):
    client.force_login(client_user)
    token = _token(client, session)
    _book(client, session, token=token)
    _book(client, session, token=token)
    assert Booking.objects.count() == 1 and ClassSession.objects.get(pk=session.pk).spots_taken == 1


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "99999999999999999999", ""])
def test_bad_quantities_get_a_message_and_change_nothing(client, session, client_user, quantity):
    client.force_login(client_user)
    response = _book(client, session, quantity=quantity)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == session.get_absolute_url()
    assert not Booking.objects.exists() and ClassSession.objects.get(pk=session.pk).spots_taken == 0
    assert 'class="alert alert-' in response.content.decode()


def test_a_lost_race_says_the_class_just_filled_up(client, client_user):
    full = upcoming_class(capacity=1)
    client.force_login(client_user)
    token = _token(client, full)
    services.book_class(client=UserFactory(), session_id=full.pk, quantity=1)  # someone was faster
    response = _book(client, full, token=token)
    assert "just filled up" in response.content.decode() and response.status_code == 200


def test_a_past_class_cannot_be_booked_from_the_page(client, client_user):
    past = upcoming_class(days=-1)
    client.force_login(client_user)
    response = client.post(reverse("bookings:book_class", args=[past.pk]), {"quantity": 1, "token": "t"}, follow=True)
    assert "already started" in response.content.decode() and not Booking.objects.exists()


def test_booking_needs_a_login(client, session):
    response = client.post(reverse("bookings:book_class", args=[session.pk]), {"quantity": 1, "token": "t"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Booking.objects.exists()


def test_every_booking_form_needs_a_csrf_token(session, client_user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(client_user)
    assert (
        strict.post(reverse("bookings:book_class", args=[session.pk]), {"quantity": 1, "token": "t"}).status_code == 403
    )
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    assert strict.post(reverse("bookings:cancel", args=[booking.reference]), {}).status_code == 403
    booking.refresh_from_db()
    assert booking.is_active


def test_my_bookings_lists_upcoming_and_past_with_status_and_reference(client, client_user):
    client.force_login(client_user)
    soon, later = upcoming_class(days=2), upcoming_class(days=5)
    b1 = services.book_class(client=client_user, session_id=soon.pk, quantity=1)
    b2 = services.book_class(client=client_user, session_id=later.pk, quantity=2)
    services.cancel_booking(booking=b2, actor=client_user)
    html = client.get(reverse("bookings:mine")).content.decode()
    assert "<title>My bookings ·" in html
    assert b1.reference in html and b2.reference in html and "Cancelled" in html and "Confirmed" in html
    assert html.index(b1.reference) < html.index(b2.reference)


def test_my_bookings_query_count_does_not_grow(client, client_user, django_assert_max_num_queries):
    client.force_login(client_user)
    services.book_class(client=client_user, session_id=upcoming_class().pk, quantity=1)
    # 9: the page and its panels, one query each (the feedback panel's sessions awaiting a rating is the 9th)
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("bookings:mine"))
    for days in range(4, 14):
        services.book_class(client=client_user, session_id=upcoming_class(days=days).pk, quantity=1)
    with django_assert_max_num_queries(9) as many:
        client.get(reverse("bookings:mine"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_client_cannot_see_or_cancel_another_clients_booking(client, session, client_user, other_client):
    theirs = services.book_class(client=other_client, session_id=session.pk, quantity=1)
    client.force_login(client_user)
    assert client.get(reverse("bookings:detail", args=[theirs.reference])).status_code == 404
    assert client.get(reverse("bookings:cancel", args=[theirs.reference])).status_code == 404
    assert client.post(reverse("bookings:cancel", args=[theirs.reference]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("bookings:detail", args=["SH-NOPE99"])).status_code == 404
    assert theirs.reference not in client.get(reverse("bookings:mine")).content.decode()
    theirs.refresh_from_db()
    assert theirs.is_active


def test_the_cancel_page_previews_the_refund_then_cancels(client, client_user):
    session = upcoming_class(days=0.5)  # 12 h ahead: the 50 % tier... minus a few seconds: 0 %
    client.force_login(client_user)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    Booking.objects.filter(pk=booking.pk).update(amount_paid=booking.total)
    page = client.get(reverse("bookings:cancel", args=[booking.reference])).content.decode()
    assert 'data-testid="policy-preview"' in page and "hours before the start" in page
    response = client.post(reverse("bookings:cancel", args=[booking.reference]), {"reason": "Work"}, follow=True)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancel_reason == "Work"
    assert "cancelled" in response.content.decode() and ClassSession.objects.get(pk=session.pk).spots_taken == 0


def test_cancelling_a_cancelled_booking_from_the_page_says_so(client, session, client_user):
    client.force_login(client_user)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    services.cancel_booking(booking=booking, actor=client_user)
    response = client.post(reverse("bookings:cancel", args=[booking.reference]), {}, follow=True)
    assert "already cancelled" in response.content.decode()


def test_the_staff_roster_shows_notes_and_checks_people_in(admin_client, session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=2, note="Knee injury")
    roster = reverse("admin:bookings_roster", args=[session.pk])
    html = admin_client.get(roster).content.decode()
    assert "Carla Client" in html and "Knee injury" in html and "2 of 10 spots booked" in html
    admin_client.post(reverse("admin:bookings_check_in", args=[session.pk, booking.pk]), {"checked_in": "1"})
    booking.refresh_from_db()
    assert booking.checked_in_at is not None


def test_a_client_cannot_open_the_roster(client, session, client_user):
    client.force_login(client_user)
    response = client.get(reverse("admin:bookings_roster", args=[session.pk]))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_booking_note_is_not_shown_to_other_clients(client, session, client_user, other_client):
    services.book_class(client=other_client, session_id=session.pk, quantity=1, note="Secret injury")
    client.force_login(client_user)
    assert "Secret injury" not in client.get(session.get_absolute_url()).content.decode()


def test_past_booking_shows_under_past(client, client_user):
    session = upcoming_class(days=2)
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    ClassSession.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - timedelta(days=5), ends_at=session.ends_at - timedelta(days=5)
    )
    client.force_login(client_user)
    response = client.get(reverse("bookings:mine"))
    assert [b.pk for b in response.context["past"]] == [booking.pk] and response.context["upcoming"] == []
