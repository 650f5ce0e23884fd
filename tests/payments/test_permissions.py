"""The services check who records money, whoever calls them: never a client, only staff holding the permission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from bookings.services import NotPermitted
from payments import services
from payments.models import Method
from tests.factories import UserFactory
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db


def _with(*codenames: str, **kw):
    user = UserFactory(**kw)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="payments", codename__in=codenames))
    return user


def test_a_client_never_records_a_payment_even_on_their_own_booking(booking, client_user):
    with pytest.raises(NotPermitted):
        pay(booking, actor=client_user)
    assert not booking.payments.exists()


def test_a_client_given_the_permission_by_mistake_is_still_refused(booking):
    with pytest.raises(NotPermitted):
        pay(booking, actor=_with("add_payment", is_staff=False))


def test_staff_without_the_permission_are_refused(booking):
    with pytest.raises(NotPermitted):
        pay(booking, actor=_with("view_payment", is_staff=True))
    booking.refresh_from_db()
    assert booking.amount_paid == 0


def test_staff_with_the_permission_record_it(booking):
    pay(booking, actor=_with("add_payment", is_staff=True))
    booking.refresh_from_db()
    assert booking.amount_paid == booking.total


def test_recording_a_refund_needs_add_refund_and_paying_it_out_change_refund(paid, desk):
    payment = paid.payments.get()
    for user in (paid.client, _with("add_payment", "view_refund", is_staff=True)):
        with pytest.raises(NotPermitted):
            services.record_refund(payment=payment, amount="1.00", actor=user, reason="x")
    refund = services.record_refund(
        payment=payment, amount="1.00", actor=_with("add_refund", is_staff=True), reason="x"
    )
    with pytest.raises(NotPermitted):
        services.mark_refund_paid(refund=refund, actor=_with("add_refund", is_staff=True), method=Method.CASH)
    with pytest.raises(NotPermitted):
        services.mark_refund_failed(refund=refund, actor=paid.client)
    services.mark_refund_paid(refund=refund, actor=desk, method=Method.CASH)  # the desk holds change_refund
    paid.refresh_from_db()
    assert paid.amount_refunded == 1


def test_marking_an_online_payment_needs_change_payment(booking, desk):
    online = services.record_payment(booking=booking, amount="12.00", method=Method.ONLINE_CARD, actor=None)
    with pytest.raises(NotPermitted):
        services.mark_payment_succeeded(payment=online, actor=desk)  # the desk adds, it does not change
    with pytest.raises(NotPermitted):
        services.mark_payment_failed(payment=online, actor=booking.client)
