"""The waitlist in a browser: a client waits for a full class, another cancels, the first
accepts the offer and finds the booking under My bookings."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from bookings import services as booking_services
from bookings.models import Booking, BookingPolicy, BookingStatus
from tests.bookings.conftest import upcoming_class
from tests.e2e.test_bookings import a_client, log_in
from waitlist.models import OfferState, WaitlistOffer, WaitlistSettings

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def studio_defaults(transactional_db) -> None:
    """The defaults of the migrations (live_server tests flush them)."""
    policy, created = BookingPolicy.objects.get_or_create(
        is_default=True,
        defaults={"name": "Studio default", "booking_opens_days": 30, "cutoff_minutes": 60, "max_party_size": 4},
    )
    if created:
        policy.tiers.create(min_hours_before=Decimal("24"), refund_percent=Decimal("100"))
    WaitlistSettings.objects.get_or_create(class_type=None)


def test_a_client_waits_gets_the_offer_and_books_it(live_server, new_page, save_screenshot):
    session = upcoming_class(capacity=1, days=3)
    ana = a_client("ana@example.com", "Ana Waiting")
    ben = a_client("ben@example.com", "Ben Booked")
    bens = booking_services.book_class(client=ben, session_id=session.pk, quantity=1)

    # Ana finds the class full and joins its waitlist.
    page = new_page()
    log_in(page, live_server, ana)
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    panel = page.get_by_test_id("waitlist-panel")
    expect(panel).to_contain_text("Join the waitlist")
    panel.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("alert")).to_contain_text("You're on the waitlist")
    expect(page.get_by_test_id("waitlist-position")).to_contain_text("You are number 1 on the waitlist")

    # Ben cancels his booking in his own browser.
    other = new_page()
    log_in(other, live_server, ben)
    other.goto(f"{live_server.url}/bookings/{bens.reference}/cancel/")
    other.get_by_role("button", name="Yes, cancel it").click()
    expect(other.get_by_role("alert")).to_contain_text(f"Booking {bens.reference} cancelled")

    # Ana sees the offer under My bookings, opens it and accepts.
    page.goto(f"{live_server.url}/bookings/")
    row = page.get_by_test_id("my-waitlist").get_by_test_id("waitlist-row")
    expect(row).to_contain_text("Spot held for you")
    row.get_by_role("link", name="See the offer").click()
    expect(page.get_by_test_id("offer-expiry")).to_contain_text(
        re.compile(r"We are holding it for you until \d\d:\d\d")
    )
    save_screenshot(page, "waitlist-offer.png")
    page.get_by_role("button", name="Accept and book").click()
    expect(page.get_by_role("alert")).to_contain_text("You're booked!")

    booking = Booking.objects.get(client=ana, class_session=session)
    assert booking.status == BookingStatus.CONFIRMED
    assert WaitlistOffer.objects.get(client=ana).state == OfferState.ACCEPTED

    page.get_by_role("link", name="My bookings").first.click()
    upcoming = page.get_by_test_id("bookings-table").first
    expect(upcoming).to_contain_text(booking.reference)
    expect(upcoming).to_contain_text("Confirmed")
    expect(page.get_by_test_id("my-waitlist")).to_have_count(0)  # nothing left waiting
