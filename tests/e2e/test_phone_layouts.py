"""The pages people use on a phone, at 390 by 844 CSS pixels: nothing wider than the screen,
and what they came to do (Book, Cancel, a time) on the first screen or in view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Locator, Page, expect

from bookings import services as booking_services
from tests.e2e.conftest import STUDIO_ZONE
from tests.e2e.test_bookings import a_client, bookable, default_policy  # noqa: F401 (a fixture)
from tests.e2e.test_therapy_calendar_keyboard import a_massage_practice, day_link, open_month_of
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("default_policy")]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page the size of a phone's screen (iPhone 12 to 15), in the studio's zone."""
    context = browser.new_context(viewport=PHONE, timezone_id=STUDIO_ZONE, locale="en-GB", has_touch=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def log_in(page: Page, live_server, user) -> None:
    """Log in from the form (the navbar is folded behind its menu button on a phone)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/classes/")


def assert_no_horizontal_scroll(page: Page) -> None:
    wide = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert wide[0] <= wide[1], f"the page is {wide[0]} px wide on a {wide[1]} px screen"


def assert_within_the_screen_width(element: Locator) -> None:
    expect(element).to_be_visible()
    box = element.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def assert_on_the_first_screen(element: Locator) -> None:
    """Wholly on the screen without scrolling (the page is at its top)."""
    expect(element).to_be_visible()
    assert element.page.evaluate("window.scrollY") == 0
    box = element.bounding_box()  # relative to the viewport
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box


def test_the_therapists_hours_page_fits_a_phone_with_a_label_on_every_control(live_server, phone, transactional_db):
    practice = a_massage_practice()
    user = practice.therapist.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    log_in(phone, live_server, user)
    phone.goto(f"{live_server.url}/therapist/availability/")
    expect(phone.get_by_test_id("hours-row")).to_have_count(7 + 5)

    assert_no_horizontal_scroll(phone)
    # Each range is a card on a phone: its labels show, the row number is for screen readers.
    second_day = phone.get_by_label("Row 2 Day")
    expect(second_day).to_have_value("1")  # Tuesday
    expect(phone.get_by_test_id("hours-row").nth(1).locator("label").first).to_have_text("Row 2 Day")
    assert_within_the_screen_width(second_day)
    assert_within_the_screen_width(phone.get_by_label("Row 12 Where"))
    assert_within_the_screen_width(phone.get_by_test_id("save-availability"))


def test_my_bookings_on_a_phone_shows_reference_calendar_and_cancel(live_server, phone, studio):
    client = a_client("carla@example.com", "Carla Díaz")
    session = bookable(free=1)
    booking = booking_services.book_class(client=client, session_id=session.pk, quantity=1)
    log_in(phone, live_server, client)
    phone.goto(f"{live_server.url}/bookings/")

    assert_no_horizontal_scroll(phone)
    row = phone.get_by_test_id("booking-row").filter(has_text=booking.reference)
    assert_within_the_screen_width(row.get_by_role("link", name=booking.reference))
    assert_within_the_screen_width(row.get_by_role("link", name="Add to calendar"))
    assert_within_the_screen_width(row.get_by_role("link", name="Cancel"))
    expect(row).to_contain_text(session.class_type.title)


def test_the_book_button_of_a_class_is_on_a_phones_first_screen(live_server, phone, studio):
    client = a_client("carla@example.com", "Carla Díaz")
    session = bookable(free=1)
    log_in(phone, live_server, client)
    phone.goto(f"{live_server.url}{session.get_absolute_url()}")

    assert_on_the_first_screen(phone.get_by_role("button", name="Book", exact=True))
    assert_on_the_first_screen(phone.get_by_label("Spots"))
    assert_no_horizontal_scroll(phone)


def test_a_chosen_days_times_are_in_view_on_a_phone(live_server, phone, transactional_db):
    practice = a_massage_practice()
    open_month_of(phone, live_server, practice)
    assert_no_horizontal_scroll(phone)

    day_link(phone, practice.day).tap()

    heading = phone.get_by_test_id("times-heading")
    expect(heading).to_be_focused()
    # Focus scrolls the times into view (smoothly: Bootstrap's scroll-behavior, hence the wait).
    expect(heading).to_be_in_viewport(ratio=1)
    expect(phone.get_by_test_id("time").first).to_be_in_viewport(ratio=1)
    assert_no_horizontal_scroll(phone)
