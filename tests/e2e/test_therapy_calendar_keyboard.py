"""The client's therapy calendar with a keyboard: choosing a day swaps in its times where
the focus is (htmx, no page reload), and the Length select never reloads the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import Page, expect

from bookings import services
from schedules.models import Practitioner, TherapyType
from schedules.recurrence import wall_time_to_utc
from tests.e2e.conftest import STUDIO_ZONE
from tests.e2e.test_bookings import a_client, log_in
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
)

pytestmark = pytest.mark.e2e


@dataclass
class Practice:
    kind: TherapyType
    therapist: Practitioner
    day: date  # a day with free times, five days ahead in Madrid


def a_massage_practice() -> Practice:
    """Marta gives 60- and 90-minute massages every day from 09:00 to 13:00 in Madrid."""
    centro = LocationFactory(name="Shala Centro", slug="centro", time_zone=STUDIO_ZONE)
    settings = TherapistSettingsFactory(min_notice_hours=12, practitioner__public_name="Marta Ruiz")
    for weekday in range(7):
        AvailabilityRuleFactory(
            practitioner=settings.practitioner, weekday=weekday, start_time=time(9), end_time=time(13), location=centro
        )
    kind = TherapyTypeFactory(
        title="Massage",
        slug="massage",
        therapists=[settings.practitioner],
        description="Deep tissue or relaxing massage, as you prefer.\nTell us what you need.",
        requirements="Please arrive 10 minutes early. Not during a fever.",
    )
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    TherapyDurationFactory(therapy_type=kind, minutes=90)
    day = timezone.localdate(timezone.now(), settings.zone) + timedelta(days=5)
    return Practice(kind=kind, therapist=settings.practitioner, day=day)


def open_month_of(page: Page, live_server, practice: Practice) -> None:
    page.goto(f"{live_server.url}{practice.kind.get_absolute_url()}?month={practice.day:%Y-%m}")
    expect(page.get_by_test_id("month")).to_have_text(date_format(practice.day, "F Y"))


def day_link(page: Page, day: date):
    return page.get_by_test_id("month-calendar").locator(f'a[data-testid="free-day"][data-day="{day.isoformat()}"]')


def mark_the_page(page: Page) -> None:
    """A value on window that only survives as long as the page is not reloaded."""
    page.evaluate("window.shalaMarker = 'still here'")


def still_the_same_page(page: Page) -> bool:
    return page.evaluate("window.shalaMarker") == "still here"


def test_choosing_a_day_with_the_keyboard_shows_its_times_in_place_and_focuses_them(
    live_server, page, transactional_db
):
    practice = a_massage_practice()
    open_month_of(page, live_server, practice)
    mark_the_page(page)

    day_link(page, practice.day).focus()
    page.keyboard.press("Enter")

    heading = page.get_by_test_id("times-heading")
    expect(heading).to_have_text(date_format(practice.day, "l j F"))
    expect(heading).to_be_focused()
    times = page.get_by_test_id("time")
    expect(times.first).to_be_visible()
    count = times.count()
    assert count > 0
    # The live region, outside the swapped part, says what came in.
    expect(page.locator("#times-status")).to_have_text(f"{count} times on {date_format(practice.day, 'l j F')}")
    assert still_the_same_page(page), "the page was reloaded"
    # The address is the day's, so a reload or a shared link shows the same day.
    assert f"day={practice.day.isoformat()}" in page.url
    # The chosen day is marked in the calendar that came back with the times.
    expect(page.locator(f'td[data-day="{practice.day.isoformat()}"]')).to_have_class(re.compile("table-primary"))

    # One Tab from the heading reaches the first time (it was 35 from the top of the page).
    page.keyboard.press("Tab")
    expect(times.first).to_be_focused()


def test_arrow_down_on_the_length_select_changes_it_without_reloading(live_server, page, transactional_db):
    practice = a_massage_practice()
    open_month_of(page, live_server, practice)
    mark_the_page(page)
    length = page.get_by_label("Length")
    expect(length).to_have_value("60")
    address = page.url

    length.focus()
    page.keyboard.press("ArrowDown")

    expect(length).to_have_value("90")
    # A submit on change would navigate away shortly after the key press: give it the time.
    page.wait_for_timeout(750)
    assert still_the_same_page(page), "ArrowDown reloaded the page"
    assert page.url == address
    expect(length).to_be_focused()

    # The button sends the choice (a plain GET form: it works without JavaScript too).
    page.get_by_role("button", name="Show times").click()
    expect(page).to_have_url(re.compile(r"minutes=90"))
    expect(page.get_by_label("Length")).to_have_value("90")


def test_without_javascript_a_day_is_a_plain_link_to_its_times(live_server, browser, transactional_db):
    practice = a_massage_practice()
    context = browser.new_context(java_script_enabled=False, timezone_id=STUDIO_ZONE, locale="en-GB")
    try:
        page = context.new_page()
        open_month_of(page, live_server, practice)
        day_link(page, practice.day).click()
        expect(page).to_have_url(re.compile(rf"day={practice.day.isoformat()}#times-heading$"))
        expect(page.get_by_test_id("times-heading")).to_have_text(date_format(practice.day, "l j F"))
        expect(page.get_by_test_id("time").first).to_be_visible()
    finally:
        context.close()


def test_moving_a_session_the_chosen_days_times_come_in_place_too(live_server, page, transactional_db):
    practice = a_massage_practice()
    carla = a_client("carla@example.com", "Carla Díaz")
    zone = ZoneInfo(STUDIO_ZONE)
    booking = services.book_therapy(
        client=carla,
        therapy_type=practice.kind,
        minutes=60,
        practitioner=practice.therapist,
        starts_at=wall_time_to_utc(practice.day - timedelta(days=1), time(10), zone),
    )
    log_in(page, live_server, carla)
    page.goto(f"{live_server.url}/bookings/{booking.reference}/reschedule/?r=1&month={practice.day:%Y-%m}")
    mark_the_page(page)

    day_link(page, practice.day).focus()
    page.keyboard.press("Enter")

    heading = page.get_by_test_id("times-heading")
    expect(heading).to_have_text(date_format(practice.day, "l j F"))
    expect(heading).to_be_focused()
    assert still_the_same_page(page), "the page was reloaded"
    page.keyboard.press("Tab")
    first = page.get_by_test_id("time").first
    expect(first).to_be_focused()
    expect(first).to_have_text("09:00")
    page.keyboard.press("Enter")  # the swapped-in form posts as before

    expect(page.get_by_role("alert")).to_have_text("Your session has been moved.")
    booking.refresh_from_db()
    assert booking.starts_at == wall_time_to_utc(practice.day, time(9), zone)
