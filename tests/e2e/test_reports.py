"""The owner reads last month's revenue and retention in a browser; the figures are worked out by hand.

The clock is pinned to Monday 7 December 2026 (Madrid), so "last month" is November. What
happened, by the studio's local day (every class 12.00, at Shala Norte, taught by Ana):

    5 Oct   Eva comes to a class (her first visit: she is not new in November)
    2 Nov   Carla and Dan come (first visits); Carla pays cash, Dan by card terminal
    10 Nov  Dan pays 12.00 in cash for the class of 16 Nov, cancels it on 11 Nov (in time),
    12 Nov  ... and gets his 12.00 back in cash
    16 Nov  Carla comes back and pays cash; Eva comes and pays cash

Revenue: taken 12 + 12 + 12 + 12 + 12 = 60.00, paid back 12.00, revenue 48.00 (five payments).
Clients: Carla, Dan and Eva came (3); Carla and Dan are new (2), Eva returning (1); five
bookings, one cancelled (20.0 %); of the two first-timers Carla came back within 30 days
(1 of 2: 50.0 %).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from bookings.models import Booking
from payments import services
from tests.e2e.test_bookings import log_in, navbar
from tests.factories import ClassSessionFactory, LocationFactory, PractitionerFactory, UserFactory

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _at(day: datetime):
    return time_machine.travel(day, tick=False)


def _class_on(location, teacher, day: datetime):
    return ClassSessionFactory(
        starts_at=day, ends_at=day + timedelta(hours=1), location=location, instructor=teacher, price=Decimal("12.00")
    )


def _visit(client, session, status="completed") -> Booking:
    return Booking.objects.create(
        client=client,
        class_session=session,
        status=status,
        quantity=1,
        unit_price=Decimal("12.00"),
        total=Decimal("12.00"),
        currency="EUR",
    )


def _pay(booking, method: str, when: datetime):
    with _at(when):
        return services.record_payment(booking=booking, amount="12.00", method=method, actor=None)


@pytest.fixture
def november(transactional_db):
    norte = LocationFactory(name="Shala Norte")
    ana = PractitionerFactory(public_name="Ana")
    october = _class_on(norte, ana, datetime(2026, 10, 5, 8, tzinfo=UTC))
    second = _class_on(norte, ana, datetime(2026, 11, 2, 8, tzinfo=UTC))
    sixteenth = _class_on(norte, ana, datetime(2026, 11, 16, 8, tzinfo=UTC))
    carla, dan, eva = (UserFactory(display_name=n) for n in ("Carla", "Dan", "Eva"))
    _visit(eva, october)
    _pay(_visit(carla, second), "cash", datetime(2026, 11, 2, 7, 50, tzinfo=UTC))
    _pay(_visit(dan, second), "card_terminal", datetime(2026, 11, 2, 7, 55, tzinfo=UTC))
    cancelled = _visit(dan, sixteenth, status="confirmed")
    paid = _pay(cancelled, "cash", datetime(2026, 11, 10, 10, tzinfo=UTC))
    Booking.objects.filter(pk=cancelled.pk).update(
        status="cancelled", cancelled_at=datetime(2026, 11, 11, 9, tzinfo=UTC)
    )
    with _at(datetime(2026, 11, 12, 10, tzinfo=UTC)):
        refund = services.record_refund(payment=paid, amount="12.00", actor=None, reason="cancelled in time")
        services.mark_refund_paid(refund=refund, actor=None, method="cash")
    _pay(_visit(carla, sixteenth), "cash", datetime(2026, 11, 16, 7, 50, tzinfo=UTC))
    _pay(_visit(eva, sixteenth), "cash", datetime(2026, 11, 16, 7, 55, tzinfo=UTC))


def test_the_owner_reads_last_months_revenue_and_retention(new_page, live_server, november, save_screenshot):
    owner = UserFactory(email="owner@example.com", display_name="Olga Owner", is_staff=True)
    owner.groups.add(Group.objects.get(name=roles.OWNER))
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    with time_machine.travel(NOW, tick=True):
        page = new_page()
        log_in(page, live_server, owner)

        navbar(page).get_by_role("link", name="Reports", exact=True).click()
        reports = page.get_by_role("navigation", name="Reports")
        reports.get_by_role("link", name="Clients", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Clients: 1 Nov 2026 – 30 Nov 2026")
        expect(page.get_by_test_id("clients")).to_have_text("3")
        expect(page.get_by_test_id("new")).to_have_text("2")
        expect(page.get_by_test_id("returning")).to_have_text("1")
        expect(page.get_by_test_id("bookings")).to_have_text("5")
        expect(page.get_by_test_id("cancel-rate")).to_have_text("1 (20.0 %)")
        within_30 = page.get_by_test_id("retention").get_by_role("row").filter(has_text="30 days")
        expect(within_30.get_by_role("cell")).to_have_text(["2", "1", "50.0 %"])
        save_screenshot(page, "report-clients.png")

        reports.get_by_role("link", name="Money", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Money: 1 Nov 2026 – 30 Nov 2026")
        expect(page.get_by_test_id("taken")).to_contain_text("€60.00")
        expect(page.get_by_test_id("refunded")).to_contain_text("€12.00")
        expect(page.get_by_test_id("net")).to_have_text("€48.00")
        expect(page.get_by_test_id("money-chart")).to_be_visible()
        sixteenth = page.get_by_test_id("money-periods").get_by_role("row").filter(has_text="Mon 16 Nov 2026")
        expect(sixteenth.get_by_role("cell")).to_have_text(["€24.00", "€0.00", "€24.00"])
        instructors = page.get_by_test_id("money-group").nth(1)
        expect(instructors.get_by_role("row").filter(has_text="Ana").get_by_role("cell")).to_have_text(
            ["€60.00", "€12.00", "€48.00", "5"]
        )
        save_screenshot(page, "report-money.png")
