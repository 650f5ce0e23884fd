"""An instructor at the studio door, on a phone: My classes, a class's roster, check-in.

Ana teaches in the seeded studio. Two clients booked her next class, one with a note
for her. On a 390 x 844 screen she logs in, opens "My classes" from the menu, opens the
roster and checks Carla in: the card changes in place (no page load), the database
has the check-in, and no page scrolls sideways.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import services
from bookings.models import Booking
from schedules.models import ClassSession
from schedules.selectors import local_midnight
from tests.e2e.test_bookings import (
    a_client,
    default_policy,  # noqa: F401  (autouse: the studio's default policy)
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: scrollWidth {widths[0]} > clientWidth {widths[1]}"


@pytest.fixture
def ana_class(studio):
    """Ana's next class this week or next that starts in more than two hours and has room for three more."""
    ana = studio.instructors["ana-garcia"]
    EmailAddress.objects.create(user=ana.user, email=ana.user.email, verified=True, primary=True)
    session = next(
        s
        for s in ClassSession.objects.scheduled()
        .filter(
            instructor=ana,
            starts_at__gt=timezone.now() + timedelta(hours=2),
            starts_at__lt=local_midnight(studio.week_start + timedelta(days=14), studio.location.zone),
        )
        .order_by("starts_at")
        if s.spots_left >= 3
    )
    carla = services.book_class(
        client=a_client("carla@example.com", "Carla Client"), session_id=session.pk, quantity=2, note="Knee injury"
    )
    services.book_class(client=a_client("david@example.com", "David Other"), session_id=session.pk, quantity=1)
    session.refresh_from_db()
    return ana, session, carla


def test_an_instructor_checks_a_client_in_from_a_phone(new_page, live_server, ana_class, save_screenshot):
    ana, session, carla = ana_class
    page = new_page()
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(ana.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/classes/")

    page.get_by_role("button", name="Menu").click()
    page.locator("#mainnav").get_by_role("link", name="My classes").click()
    expect(page.get_by_role("heading", name="My classes", level=1)).to_be_visible()
    card = page.get_by_test_id("my-class").filter(has=page.locator(f'a[href="/instructor/classes/{session.pk}/"]'))
    expect(card.get_by_test_id("booked")).to_have_text(f"{session.spots_taken}/{session.capacity} booked")
    no_sideways_scroll(page)
    save_screenshot(page, "instructor-classes.png")

    card.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/instructor/classes/{session.pk}/")
    entry = page.get_by_test_id("roster-entry").filter(has_text="Carla Client")
    expect(entry.get_by_test_id("party")).to_have_text("2 spots")
    expect(entry.get_by_test_id("note")).to_contain_text("Knee injury")
    expect(page.get_by_test_id("roster-entry")).to_have_count(2)
    no_sideways_scroll(page)

    button = entry.get_by_role("button", name="Check in Carla Client")
    assert button.bounding_box()["height"] >= 44  # a thumb, not a mouse pointer
    page.evaluate("window.stillThisPage = true")
    button.click()
    expect(entry.get_by_test_id("checked-in")).to_contain_text("Checked in at")
    expect(page.get_by_test_id("roster-summary")).to_contain_text("2 checked in")
    assert page.evaluate("window.stillThisPage === true")  # swapped in place, no page load
    assert Booking.objects.get(pk=carla.pk).checked_in_at is not None
    no_sideways_scroll(page)
    save_screenshot(page, "instructor-roster.png")

    entry.get_by_role("button", name="Undo check-in").click()
    expect(entry.get_by_role("button", name="Check in Carla Client")).to_be_visible()
    assert Booking.objects.get(pk=carla.pk).checked_in_at is None
