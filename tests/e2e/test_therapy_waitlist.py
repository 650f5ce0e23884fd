"""The therapy waitlist in a browser: a client finds no time with a fully booked therapist,
asks to be told when one frees up, another client cancels, and the first accepts the
kept time and finds the session under My bookings."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings import services
from bookings import services as booking_services
from bookings.models import Booking, BookingPolicy, BookingStatus
from schedules.recurrence import wall_time_to_utc
from tests.e2e.test_bookings import a_client, log_in
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
)
from waitlist.models import OfferState, TherapyWishOffer, WaitlistSettings

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def studio_defaults(transactional_db) -> None:
    """The defaults of the migrations (live_server tests flush them)."""
    policy, created = BookingPolicy.objects.get_or_create(
        is_default=True, defaults={"name": "Studio default", "booking_opens_days": 30, "cutoff_minutes": 60}
    )
    if created:
        policy.tiers.create(min_hours_before=Decimal("24"), refund_percent=Decimal("100"))
    WaitlistSettings.objects.get_or_create(class_type=None)


def test_a_client_asks_for_a_time_gets_the_offer_and_books_it(live_server, new_page, save_screenshot):
    studio = LocationFactory(name="Centro", slug="centro")
    row = TherapistSettingsFactory(min_notice_hours=12, practitioner__public_name="Marta")
    AvailabilityRuleFactory(
        practitioner=row.practitioner, weekday=0, start_time=time(9), end_time=time(10), location=studio
    )
    massage = TherapyTypeFactory(title="Massage", slug="massage", therapists=[row.practitioner])
    TherapyDurationFactory(therapy_type=massage, minutes=60, price=Decimal("60.00"))
    today = timezone.localdate()
    monday = today + timedelta(days=21 - today.weekday())
    ben = a_client("ben@example.com", "Ben Booked")
    bens = services.book_therapy(
        client=ben,
        therapy_type=massage,
        minutes=60,
        practitioner=row.practitioner,
        starts_at=wall_time_to_utc(monday, time(9), row.zone),
    )
    ana = a_client("ana@example.com", "Ana Waiting")

    # Ana finds no time and asks to be told when one frees up.
    page = new_page()
    log_in(page, live_server, ana)
    page.goto(f"{live_server.url}{massage.get_absolute_url()}")
    page.get_by_role("link", name="Tell me when a time frees up").click()
    form = page.get_by_test_id("wish-form")
    expect(form.get_by_test_id("zone")).to_contain_text("Europe/Madrid")
    form.get_by_label("From").fill(monday.isoformat())
    form.get_by_label("Until").fill(monday.isoformat())
    form.get_by_label("Not before").fill("08:00")
    form.get_by_label("Over by").fill("12:00")
    save_screenshot(page, "therapy-wish-form.png")
    form.get_by_role("button", name="Tell me").click()
    expect(page.get_by_role("alert")).to_contain_text("we'll tell you as soon as a time like this frees up")
    expect(page.get_by_test_id("my-wishes")).to_contain_text("Massage")

    # Ben cancels; the freed hour is kept for Ana.
    booking_services.cancel_booking(booking=bens, actor=ben, reason="cannot come")

    page.goto(f"{live_server.url}/bookings/")
    wish_row = page.get_by_test_id("my-wishes").get_by_test_id("wish-row")
    expect(wish_row).to_contain_text("Time kept for you")
    wish_row.get_by_role("link", name="See the offer").click()
    expect(page.get_by_test_id("offer-expiry")).to_contain_text(
        re.compile(r"We are keeping it for you until \d\d:\d\d")
    )
    save_screenshot(page, "therapy-wish-offer.png")
    page.get_by_role("button", name="Accept and book").click()
    expect(page.get_by_role("alert")).to_contain_text("You're booked!")

    booking = Booking.objects.get(client=ana, therapy_type=massage)
    assert booking.status == BookingStatus.CONFIRMED
    assert TherapyWishOffer.objects.get(client=ana).state == OfferState.ACCEPTED
    page.goto(f"{live_server.url}/bookings/")
    expect(page.get_by_test_id("bookings-table").first).to_contain_text(booking.reference)
    expect(page.get_by_test_id("my-wishes")).to_have_count(0)
