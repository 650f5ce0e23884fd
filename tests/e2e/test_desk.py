"""The front desk on a tablet: a walk-in who has no account is added, booked and checked in.

Diego works the desk of the seeded studio. A new client, Lola, walks in for a class. On a
1024 x 768 screen he opens the desk from the menu, goes to the class's day, searches for
Lola (nobody), adds her as a guest (she gets an invitation by e-mail), books her in and
checks her in on the roster. The database has the booking with Diego in its event.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from bookings.models import Booking
from tests.e2e.test_bookings import (
    bookable,
    default_policy,  # noqa: F401  (autouse: the studio's default policy)
    log_in,
    navbar,
)
from tests.e2e.test_instructor_pages import no_sideways_scroll
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

TABLET = {"width": 1024, "height": 768}


def test_the_desk_adds_a_walk_in_guest_books_and_checks_her_in(new_page, live_server, studio, save_screenshot):
    diego = UserFactory(email="desk@example.com", display_name="Diego Desk", is_staff=True)
    diego.groups.add(Group.objects.get(name=roles.FRONT_DESK))
    EmailAddress.objects.create(user=diego, email=diego.email, verified=True, primary=True)
    session = bookable(free=1, days_ahead=1)
    day = timezone.localtime(session.starts_at, session.location.zone).date()
    page = new_page()
    page.set_viewport_size(TABLET)
    log_in(page, live_server, diego)

    navbar(page).get_by_role("link", name="Desk", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("at the desk")
    page.goto(f"{live_server.url}/desk/?day={day.isoformat()}")
    row = page.get_by_test_id("desk-class").filter(has=page.locator(f'a[href="/desk/classes/{session.pk}/book/"]'))
    expect(row.get_by_test_id("desk-booked")).to_have_text(f"{session.spots_taken}/{session.capacity} booked")
    no_sideways_scroll(page)
    save_screenshot(page, "desk-day.png")
    row.get_by_test_id("desk-walk-in").click()

    page.get_by_label("Find a client").fill("Lola")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("desk-no-match")).to_be_visible()
    page.get_by_label("Name").fill("Lola Walk-in")
    page.get_by_label("E-mail").fill("lola@example.com")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="invitation")).to_be_visible()
    expect(page.get_by_label("Lola Walk-in")).to_be_checked()  # the one match, ready to book
    save_screenshot(page, "desk-book.png")
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/instructor/classes/{session.pk}/#booking-\d+$"), timeout=10_000)
    entry = page.get_by_test_id("roster-entry").filter(has_text="Lola Walk-in")
    entry.get_by_role("button", name="Check in Lola Walk-in").click()
    expect(entry.get_by_test_id("checked-in")).to_contain_text("Checked in at")

    booking = Booking.objects.get(client__email="lola@example.com", class_session=session)
    assert booking.checked_in_at is not None
    assert booking.events.order_by("pk").first().actor == diego
    assert [m.to for m in mail.outbox if "choose a password" in m.subject] == [["lola@example.com"]]
