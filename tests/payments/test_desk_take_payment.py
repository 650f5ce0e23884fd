"""The desk takes money on the roster and the day page: through record_payment, which checks who and how much."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from bookings import services as booking_services
from bookings.services import NotPermitted
from payments import services
from payments.models import Method, Payment
from tests.bookings.conftest import (  # noqa: F401
    at,
    massage,
    other_therapist,
    therapist,
    therapy_room,
    therapy_studio,
    upcoming_class,
)
from tests.factories import PractitionerFactory
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher():
    practitioner = PractitionerFactory(public_name="Ina Structor")
    practitioner.user.groups.add(Group.objects.get(name=roles.INSTRUCTOR))
    return practitioner


@pytest.fixture
def tonight(teacher, client_user):
    """A booking of one 12.00 spot in the teacher's class a few hours from now."""
    session = upcoming_class(starts_at=timezone.now().replace(microsecond=0) + timedelta(hours=3), instructor=teacher)
    return booking_services.book_class(client=client_user, session_id=session.pk, quantity=1)


def _take(booking) -> str:
    return reverse("payments:desk_take_payment", args=[booking.pk])


def _roster(booking) -> str:
    return reverse("bookings:instructor_roster", args=[booking.class_session_id])


def test_the_roster_shows_what_is_due_and_the_desk_gets_a_take_payment_button(client, desk, tonight):
    client.force_login(desk)
    html = client.get(_roster(tonight)).content.decode()
    assert "€12.00 due" in html and _take(tonight) in html


def test_the_instructor_sees_what_is_due_but_has_no_button(client, teacher, tonight):
    client.force_login(teacher.user)
    html = client.get(_roster(tonight)).content.decode()
    assert "€12.00 due" in html and _take(tonight) not in html


def test_the_desk_takes_cash_and_returns_to_the_roster(client, desk, tonight):
    client.force_login(desk)
    page = client.get(_take(tonight))
    assert page.status_code == 200 and page.context["form"].initial["amount"] == Decimal("12.00")
    response = client.post(_take(tonight), {"amount": "12.00", "method": Method.CASH, "note": "till 2"})
    assert response.status_code == 302
    assert response["Location"] == _roster(tonight) + f"#booking-{tonight.pk}"
    payment = Payment.objects.get(booking=tonight)
    assert (payment.method, payment.amount, payment.recorded_by, payment.note) == (
        Method.CASH,
        Decimal("12.00"),
        desk,
        "till 2",
    )
    tonight.refresh_from_db()
    assert services.due(tonight) == 0
    html = client.get(_roster(tonight)).content.decode()
    assert "€12.00 due" not in html and _take(tonight) not in html


def test_a_deposit_leaves_the_rest_due_on_the_roster(client, desk, tonight):
    client.force_login(desk)
    client.post(_take(tonight), {"amount": "5.00", "method": Method.CARD_TERMINAL})
    assert "€7.00 due" in client.get(_roster(tonight)).content.decode()


def test_more_than_is_due_is_refused_with_a_message(client, desk, tonight):
    pay(tonight, "10.00", actor=desk)
    client.force_login(desk)
    response = client.post(_take(tonight), {"amount": "5.00", "method": Method.CASH})
    assert response.status_code == 422
    assert "That is more than the 2.00 EUR due on this booking." in response.content.decode()
    assert Payment.objects.filter(booking=tonight).count() == 1


def test_an_instructor_gets_403_from_the_page_and_from_the_service(client, teacher, tonight):
    client.force_login(teacher.user)
    assert client.get(_take(tonight)).status_code == 403
    assert client.post(_take(tonight), {"amount": "12.00", "method": Method.CASH}).status_code == 403
    with pytest.raises(NotPermitted):
        services.record_payment(booking=tonight, amount="12.00", method=Method.CASH, actor=teacher.user)
    assert not Payment.objects.filter(booking=tonight).exists()


def test_a_client_cannot_pay_themselves_at_the_desk(client, tonight):
    client.force_login(tonight.client)
    assert client.post(_take(tonight), {"amount": "12.00", "method": Method.CASH}).status_code == 403
    assert not Payment.objects.exists()


def test_an_online_method_is_not_a_desk_choice(client, desk, tonight):
    client.force_login(desk)
    response = client.post(_take(tonight), {"amount": "12.00", "method": Method.ONLINE_CARD})
    assert response.status_code == 422 and not Payment.objects.exists()


def test_the_desk_day_shows_a_therapy_sessions_balance_and_takes_payment(client, desk, client_user, massage, therapist):  # noqa: F811
    booking = booking_services.book_therapy(
        client=client_user, therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    client.force_login(desk)
    day = timezone.localtime(booking.starts_at, desk.zone).date().isoformat()
    html = client.get(reverse("bookings:desk_today") + f"?day={day}").content.decode()
    assert _take(booking) in html and f"{booking.total:.2f}" in html.replace(",", ".")
    response = client.post(_take(booking), {"amount": str(booking.total), "method": Method.BANK_TRANSFER})
    assert response.status_code == 302 and response["Location"].endswith(f"?day={day}")


def test_the_admin_roster_shows_what_is_due_with_the_admins_take_payment(client, desk, tonight):
    pay(tonight, "5.00", actor=desk)  # a deposit: the rest is due
    client.force_login(desk)
    html = client.get(reverse("admin:bookings_roster", args=[tonight.class_session_id])).content.decode()
    assert "€7.00" in html and reverse("admin:payments_take_payment", args=[tonight.pk]) in html
