"""A client's own bookings through /api/v1/me/, with an API token: the pages' services and rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.models import ApiToken
from api.tokens import create_token, hash_token
from bookings import services
from bookings.models import Booking, BookingStatus
from schedules.models import ClassSession
from tests.api.conftest import problem
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_without_a_token_it_is_a_401_problem(api, session):
    response = api.get("/api/v1/me/bookings/")
    problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    problem(api.post("/api/v1/me/bookings/", {"session": session.pk}, format="json"), 401)


def test_a_wrong_or_revoked_token_is_a_401(api, token, client_user):
    api.credentials(HTTP_AUTHORIZATION="Bearer shala_not-a-token")
    problem(api.get("/api/v1/me/bookings/"), 401)
    ApiToken.objects.filter(user=client_user).update(revoked_at="2026-06-01T00:00Z")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    problem(api.get("/api/v1/me/bookings/"), 401)


def test_only_the_hash_of_a_token_is_stored(client_user):
    row, token = create_token(user=client_user, name="app")
    assert row.key_hash == hash_token(token) and token not in {row.key_hash, row.prefix}
    assert token.startswith(row.prefix)


def test_it_books_through_the_booking_service(authed, session, client_user):
    response = authed.post("/api/v1/me/bookings/", {"session": session.pk, "quantity": 2}, format="json")

    assert response.status_code == 201, response.content
    booking = Booking.objects.get(client=client_user)
    assert response.json()["reference"] == booking.reference and booking.status == BookingStatus.CONFIRMED
    assert response["Location"].endswith(f"/api/v1/me/bookings/{booking.reference}/")
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 2
    assert response.json()["total"] == "24.00"


def test_the_same_idempotency_key_books_once(authed, session, client_user):
    first = authed.post("/api/v1/me/bookings/", {"session": session.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = authed.post("/api/v1/me/bookings/", {"session": session.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert Booking.objects.filter(client=client_user).count() == 1
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 1


def test_without_a_key_a_second_booking_of_the_class_is_refused(authed, session):
    assert authed.post("/api/v1/me/bookings/", {"session": session.pk}, format="json").status_code == 201
    body = problem(authed.post("/api/v1/me/bookings/", {"session": session.pk}, format="json"), 422)
    assert body["detail"] == "You already have a booking for this class."


def test_a_full_class_is_a_409_with_the_services_message(authed):
    full = upcoming_class(days=2, capacity=1)
    services.book_class(client=UserFactory(), session_id=full.pk, quantity=1)
    body = problem(authed.post("/api/v1/me/bookings/", {"session": full.pk}, format="json"), 409)
    assert body["type"].endswith("/session_full") and body["detail"] == "This class just filled up."


@pytest.mark.parametrize(
    "payload",
    [{}, {"session": "x"}, {"session": 2**70}, {"session": 1, "quantity": 0}, {"session": 1, "quantity": 999}],
)
def test_a_bad_body_is_a_400_problem(authed, payload):
    problem(authed.post("/api/v1/me/bookings/", payload, format="json"), 400)


def test_malformed_json_and_a_bad_key_are_400_problems(authed, session):
    problem(authed.post("/api/v1/me/bookings/", "{nope", content_type="application/json"), 400)
    bad_key = authed.post("/api/v1/me/bookings/", {"session": session.pk}, format="json", HTTP_IDEMPOTENCY_KEY="a b")
    problem(bad_key, 400)


def test_an_unknown_class_is_a_422(authed):
    problem(authed.post("/api/v1/me/bookings/", {"session": 987654}, format="json"), 422)


def test_a_client_sees_and_cancels_only_their_own(authed, session, client_user):
    mine = services.book_class(client=client_user, session_id=session.pk, quantity=1)
    theirs = services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)

    listed = authed.get("/api/v1/me/bookings/").json()
    assert [b["reference"] for b in listed["results"]] == [mine.reference]
    problem(authed.get(f"/api/v1/me/bookings/{theirs.reference}/"), 404)
    problem(authed.post(f"/api/v1/me/bookings/{theirs.reference}/cancel/", {}, format="json"), 404)
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.CONFIRMED
    assert authed.get(f"/api/v1/me/bookings/{mine.reference}/").json()["status"] == "confirmed"


def test_cancel_follows_the_policy_and_twice_is_a_409(authed, session, client_user):
    booking = services.book_class(client=client_user, session_id=session.pk, quantity=1)

    response = authed.post(f"/api/v1/me/bookings/{booking.reference}/cancel/", {"reason": "ill"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["booking"]["status"] == "cancelled" and Decimal(response.json()["fee"]) == 0
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 0
    problem(authed.post(f"/api/v1/me/bookings/{booking.reference}/cancel/", {}, format="json"), 409)


def test_staff_with_a_token_still_cancel_only_their_own_here(api, session):
    from tests.factories import staff_with

    staff = staff_with("bookings.change_booking", "bookings.view_booking")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(user=staff, name='desk')[1]}")
    theirs = services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)
    problem(api.post(f"/api/v1/me/bookings/{theirs.reference}/cancel/", {}, format="json"), 404)


def test_rate_limits_count_per_token(api, settings, client_user, session):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {"token": "2/min", "address": "100/min"}
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        one, two = create_token(user=client_user, name="a")[1], create_token(user=client_user, name="b")[1]
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {one}")
        assert [api.get("/api/v1/me/bookings/").status_code for _ in range(2)] == [200, 200]
        body = problem(api.get("/api/v1/me/bookings/"), 429)
        assert body["retry_after"] >= 1
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {two}")
        assert api.get("/api/v1/me/bookings/").status_code == 200  # another token, its own count
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


@pytest.mark.parametrize("reference", ["SH-A%00B", "x" * 30, "a%20b"])
def test_a_spoiled_reference_is_a_404_problem(authed, reference):
    problem(authed.get(f"/api/v1/me/bookings/{reference}/"), 404)
    problem(authed.post(f"/api/v1/me/bookings/{reference}/cancel/", {}, format="json"), 404)
