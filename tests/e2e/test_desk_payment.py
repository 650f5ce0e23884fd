"""The desk takes a walk-in's money: book the guest, take cash on the roster, check her in; she sees her receipt.

Diego works the desk on a tablet. Lola walks in with no account: he adds her as a guest,
books her into the class, sees "€… due" on her roster card, takes it in cash through the
take-payment page (the same service as admin) and checks her in. Lola, once she has set
her password from the invitation, finds the receipt under My bookings; printed, it has no
menu and no buttons.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from bookings.models import Booking
from payments.models import Method, Payment
from tests.e2e.test_bookings import (
    bookable,
    default_policy,  # noqa: F401  (autouse: the studio's default policy)
    log_in,
    navbar,
)
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e

TABLET = {"width": 1024, "height": 768}


def test_the_desk_books_a_walk_in_takes_cash_checks_her_in_and_she_sees_the_receipt(
    new_page, live_server, studio, save_screenshot
):
    diego = UserFactory(email="desk@example.com", display_name="Diego Desk", is_staff=True)
    diego.groups.add(Group.objects.get(name=roles.FRONT_DESK))
    EmailAddress.objects.create(user=diego, email=diego.email, verified=True, primary=True)
    session = bookable(free=1, days_ahead=1)
    price = session.price
    day = timezone.localtime(session.starts_at, session.location.zone).date()
    page = new_page()
    page.set_viewport_size(TABLET)
    log_in(page, live_server, diego)

    page.goto(f"{live_server.url}/desk/?day={day.isoformat()}")
    row = page.get_by_test_id("desk-class").filter(has=page.locator(f'a[href="/desk/classes/{session.pk}/book/"]'))
    row.get_by_test_id("desk-walk-in").click()
    page.get_by_label("Find a client").fill("Lola")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Name").fill("Lola Walk-in")
    page.get_by_label("E-mail").fill("lola@example.com")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_label("Lola Walk-in")).to_be_checked()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/instructor/classes/{session.pk}/#booking-\d+$"), timeout=10_000)

    entry = page.get_by_test_id("roster-entry").filter(has_text="Lola Walk-in")
    amount = f"€{price:.2f}"
    expect(entry.get_by_test_id("due")).to_have_text(f"{amount} due")
    entry.get_by_role("link", name="Take payment Lola Walk-in").click()
    expect(page.get_by_test_id("due")).to_have_text(amount)
    expect(page.get_by_label("Amount")).to_have_value(f"{price:.2f}")
    page.get_by_label("Cash").check()
    save_screenshot(page, "desk-take-payment.png")
    page.get_by_role("button", name="Record payment").click()

    expect(page).to_have_url(re.compile(rf"/instructor/classes/{session.pk}/#booking-\d+$"))
    expect(page.get_by_role("alert").filter(has_text=f"{amount} received from Lola Walk-in")).to_be_visible()
    entry = page.get_by_test_id("roster-entry").filter(has_text="Lola Walk-in")
    expect(entry.get_by_test_id("due")).to_have_count(0)
    entry.get_by_role("button", name="Check in Lola Walk-in").click()
    expect(entry.get_by_test_id("checked-in")).to_contain_text("Checked in at")

    booking = Booking.objects.get(client__email="lola@example.com", class_session=session)
    payment = Payment.objects.get(booking=booking)
    assert (payment.method, payment.amount, payment.recorded_by) == (Method.CASH, price, diego)
    assert booking.checked_in_at is not None

    # Lola set her password from the invitation; she opens her receipt from My bookings.
    lola = booking.client
    lola.set_password(PASSWORD)
    lola.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=lola, email=lola.email, defaults={"verified": True, "primary": True})
    her = new_page()
    log_in(her, live_server, lola)
    navbar(her).get_by_role("link", name="My bookings").click()
    her.get_by_role("link", name=f"Receipt {booking.reference}").click()
    receipt = her.get_by_test_id("receipt")
    expect(receipt.get_by_test_id("reference")).to_have_text(booking.reference)
    expect(receipt.get_by_test_id("payment")).to_contain_text("Cash")
    expect(receipt.get_by_test_id("payment")).to_contain_text(f"{booking.reference}-{payment.pk}")
    expect(receipt.get_by_test_id("balance")).to_have_text("€0.00")
    her.emulate_media(media="print")
    expect(her.locator("nav.navbar")).to_be_hidden()
    expect(her.locator("body > footer")).to_be_hidden()
    expect(her.get_by_test_id("print")).to_be_hidden()
    expect(receipt).to_be_visible()
    save_screenshot(her, "receipt-printed.png")
