"""The desk takes payments and pays refunds out from the booking admin, through the services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from bookings import services as booking_services
from bookings.models import Booking
from payments import services
from payments.models import Method, PaymentStatus, RefundStatus
from tests.factories import UserFactory
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db


def _take(booking) -> str:
    return reverse("admin:payments_take_payment", args=[booking.pk])


def _pay_out(booking) -> str:
    return reverse("admin:payments_pay_refund", args=[booking.pk])


def test_the_take_payment_page_offers_the_balance_due(client, desk, booking):
    pay(booking, "5.00")
    client.force_login(desk)
    page = client.get(_take(booking))
    assert page.status_code == 200
    assert page.context["form"].initial["amount"] == Decimal("7.00")
    assert 'data-testid="due">7.00 EUR' in page.content.decode()


def test_the_desk_takes_a_card_terminal_payment(client, desk, booking):
    client.force_login(desk)
    response = client.post(_take(booking), {"amount": "12.00", "method": Method.CARD_TERMINAL, "note": "slip 4"})
    assert response.status_code == 302
    booking.refresh_from_db()
    payment = booking.payments.get()
    assert (payment.method, payment.status, payment.recorded_by, payment.note) == (
        Method.CARD_TERMINAL,
        PaymentStatus.SUCCEEDED,
        desk,
        "slip 4",
    )
    assert booking.amount_paid == Decimal("12.00")
    change = client.get(response["Location"]).content.decode()
    assert "12.00 EUR received for" in change


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-3", "greater than or equal to 0.01"),
        ("0", "greater than or equal to 0.01"),
        ("abc", "Enter a number"),
        ("1.005", "no more than 2 decimal places"),
        ("99", "more than the 12.00 EUR due"),
        ("NaN", "Enter a number"),
    ],
)
def test_a_bad_amount_is_a_message_not_a_500(client, desk, booking, amount, message):
    client.force_login(desk)
    response = client.post(_take(booking), {"amount": amount, "method": Method.CASH})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not booking.payments.exists()


def test_a_made_up_method_is_refused_by_the_form(client, desk, booking):
    client.force_login(desk)
    response = client.post(_take(booking), {"amount": "12.00", "method": "online_card"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not booking.payments.exists()


def test_staff_without_the_permission_get_403(client, booking):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(*Group.objects.get(name=roles.FRONT_DESK).permissions.filter(codename="view_booking"))
    client.force_login(viewer)
    assert client.post(_take(booking), {"amount": "12.00", "method": Method.CASH}).status_code == 403
    assert client.get(_pay_out(booking)).status_code == 403
    assert not booking.payments.exists()


def test_the_desk_pays_out_a_refund_owed_after_a_cancellation(client, desk, paid, session):
    booking_services.cancel_booking(booking=paid, actor=None, now=session.starts_at - timedelta(hours=48))
    refund = paid.refunds.get()
    client.force_login(desk)
    page = client.get(_pay_out(paid))
    assert page.status_code == 200 and 'data-testid="owed">12.00 EUR' in page.content.decode()
    response = client.post(_pay_out(paid), {"refund": refund.pk, "method": Method.CASH})
    assert response.status_code == 302
    refund.refresh_from_db()
    paid.refresh_from_db()
    assert (refund.status, refund.method, refund.paid_by) == (RefundStatus.SUCCEEDED, Method.CASH, desk)
    assert (paid.amount_refund_pending, paid.amount_refunded) == (Decimal("0.00"), Decimal("12.00"))


def test_paying_out_a_refund_of_another_booking_is_refused(client, desk, paid, other_client, session):
    other = booking_services.book_class(client=other_client, session_id=session.pk, quantity=1)
    pay(other)
    theirs = services.record_refund(payment=other.payments.get(), amount="1.00", actor=desk, reason="x")
    services.record_refund(payment=paid.payments.get(), amount="1.00", actor=desk, reason="y")
    client.force_login(desk)
    response = client.post(_pay_out(paid), {"refund": theirs.pk, "method": Method.CASH})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == RefundStatus.PENDING


def test_with_nothing_owed_the_pay_out_page_says_so(client, desk, paid):
    client.force_login(desk)
    response = client.get(_pay_out(paid), follow=True)
    assert "Nothing is owed back on this booking." in response.content.decode()


def test_the_list_filters_the_unpaid_and_the_refunds_owed(client, desk, booking, paid, other_client, session):
    owed = booking_services.book_class(client=other_client, session_id=session.pk, quantity=1)
    pay(owed)
    services.record_refund(payment=owed.payments.get(), amount="2.00", actor=desk, reason="x")
    # ``booking`` and ``paid`` are the same fixture row: make a second unpaid one.
    unpaid = booking_services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)
    client.force_login(desk)
    changelist = reverse("admin:bookings_booking_changelist")

    def listed(query: str) -> set[str]:
        return {b.reference for b in client.get(changelist + query).context["cl"].result_list}

    assert listed("?money=unpaid") == {unpaid.reference, owed.reference}  # owed: 2.00 going back is due again
    assert listed("?money=refund_owed") == {owed.reference}
    page = client.get(changelist).content.decode()
    assert "12.00 EUR" in page  # the due column of the unpaid booking


def test_the_change_page_lists_payments_and_refunds(client, desk, paid):
    services.record_refund(payment=paid.payments.get(), amount="2.00", actor=desk, reason="late start")
    client.force_login(desk)
    page = client.get(reverse("admin:bookings_booking_change", args=[paid.pk])).content.decode()
    assert "late start" in page and "Take payment" in page and "Pay out refund" in page
    assert Booking.objects.get(pk=paid.pk).amount_refund_pending == Decimal("2.00")


def test_a_succeeded_payment_is_read_only_in_admin(client, desk, paid):
    payment = paid.payments.get()
    owner = UserFactory(is_staff=True)
    owner.groups.add(Group.objects.get(name=roles.OWNER))
    client.force_login(owner)
    url = reverse("admin:payments_payment_change", args=[payment.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.post(url, {"amount": "1.00"}).status_code == 403
    payment.refresh_from_db()
    assert payment.amount == Decimal("12.00")
    assert client.post(reverse("admin:payments_payment_delete", args=[payment.pk]), {"post": "yes"}).status_code == 403
