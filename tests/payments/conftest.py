"""Fixtures for the ledger's tests: the bookings fixtures, a desk person, and a paid booking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from bookings import services as booking_services
from payments import services
from payments.models import Method
from tests.bookings.conftest import client_user, default_policy, other_client, session  # noqa: F401
from tests.factories import UserFactory
from tests.notifications.conftest import smtp_inbox  # noqa: F401  (the receipt e-mails' tests)
from tests.payments.stripe_fakes import stripe_http, stripe_keys  # noqa: F401


@pytest.fixture
def desk(db):
    """A front-desk person: takes payments and pays out refunds."""
    user = UserFactory(is_staff=True, display_name="Dana Desk")
    user.groups.add(Group.objects.get(name=roles.FRONT_DESK))
    return user


@pytest.fixture
def booking(session, client_user):  # noqa: F811
    """A booking of one 12.00 spot, unpaid."""
    return booking_services.book_class(client=client_user, session_id=session.pk, quantity=1)


def pay(booking, amount: str | Decimal | None = None, *, actor=None, method: str = Method.CASH):
    """Pay at the desk through the service (the system by default)."""
    return services.record_payment(
        booking=booking, amount=amount if amount is not None else booking.total, method=method, actor=actor
    )


@pytest.fixture
def paid(booking):
    pay(booking)
    booking.refresh_from_db()
    return booking
