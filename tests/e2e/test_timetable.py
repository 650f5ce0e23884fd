"""The public timetable in a browser: this week, filters, other weeks, a class's page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def week_range(monday: date) -> str:
    """The header's date range, as the template writes it."""
    return f"{date_format(monday, 'j M')} – {date_format(monday + timedelta(days=6), 'j M Y')}"


def day_section(page, day: date):
    return page.get_by_role("region", name=date_format(day, "l j F"), exact=True)


def titles_of(page):
    return page.get_by_test_id("session").locator(".session-title")


def test_it_shows_this_weeks_classes_in_the_viewers_time(live_server, page, studio, save_screenshot):
    page.goto(f"{live_server.url}/classes/")

    expect(page.get_by_test_id("week-range")).to_have_text(week_range(studio.week_start))
    expected = studio.sessions_in_week(studio.week_start)
    expect(page.get_by_test_id("session")).to_have_count(expected.count())
    # The 07:00 Madrid class, seen from a browser in Madrid, is at 07:00.
    first_on_monday = day_section(page, studio.week_start).get_by_test_id("session").first  # studio.first_class
    expect(first_on_monday.locator(".session-time")).to_have_text("07:00–08:00")
    expect(first_on_monday.locator(".session-title")).to_have_text("Vinyasa Flow")
    expect(first_on_monday).to_contain_text("Ana García · Sala Sol")
    already_over = studio.first_class.ends_at < timezone.now()
    expect(first_on_monday.locator(".badge")).to_have_text("Past" if already_over else "11 spots left")
    saturday = day_section(page, studio.week_start + timedelta(days=5))
    expect(saturday.get_by_test_id("session").filter(has_text="Ashtanga Led Primary")).to_contain_text("Full")
    expect(page.locator("footer")).to_contain_text("Times are shown in Europe/Madrid.")

    save_screenshot(page, "timetable.png")


def test_it_filters_the_timetable_by_class_type(live_server, page, studio):
    hatha = studio.class_types["hatha-basics"]
    expected = studio.sessions_in_week(studio.week_start, class_type=hatha).count()
    assert expected > 0
    page.goto(f"{live_server.url}/classes/")

    page.get_by_label("Class", exact=True).select_option(label="Hatha Basics")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(rf"/classes/\?(.+&)?class_type={hatha.pk}(&|$)"))
    expect(titles_of(page)).to_have_text(["Hatha Basics"] * expected)
    expect(page.get_by_label("Class", exact=True)).to_have_value(str(hatha.pk))
    expect(page.get_by_test_id("week-range")).to_have_text(week_range(studio.week_start))


def test_it_filters_the_timetable_by_level(live_server, page, studio):
    expected = studio.sessions_in_week(studio.week_start, class_type__level="advanced").count()
    assert expected > 0
    page.goto(f"{live_server.url}/classes/")

    page.get_by_label("Level", exact=True).select_option(label="Advanced")
    page.get_by_role("button", name="Filter").click()

    expect(titles_of(page)).to_have_text(["Ashtanga Led Primary"] * expected)
    expect(page.get_by_test_id("session").first).to_contain_text("Shala Centro · Advanced")
    expect(page.get_by_label("Level", exact=True)).to_have_value("advanced")


def test_it_pages_to_next_week_and_back(live_server, page, studio):
    next_monday = studio.week_start + timedelta(days=7)
    page.goto(f"{live_server.url}/classes/")
    expect(page.get_by_test_id("week-range")).to_have_text(week_range(studio.week_start))

    page.get_by_role("link", name="Next week").click()

    expect(page.get_by_test_id("week-range")).to_have_text(week_range(next_monday))
    expect(page.get_by_test_id("session")).to_have_count(studio.sessions_in_week(next_monday).count())
    monday = day_section(page, next_monday).get_by_test_id("session").first
    expect(monday.locator(".session-time")).to_have_text("07:00–08:00")
    expect(monday.locator(".session-title")).to_have_text("Vinyasa Flow")

    page.get_by_role("link", name="Previous week").click()

    expect(page.get_by_test_id("week-range")).to_have_text(week_range(studio.week_start))
    expect(page.get_by_test_id("session")).to_have_count(studio.sessions_in_week(studio.week_start).count())


def test_it_opens_a_class_from_its_card(live_server, page, studio, save_screenshot):
    session = studio.featured  # next Monday 07:00 Vinyasa Flow with Ana, 5 of 14 spots taken
    page.goto(f"{live_server.url}/classes/?week={session.occurrence_date}")

    card = page.get_by_test_id("session").filter(has=page.locator(f'a[href="{session.get_absolute_url()}"]'))
    expect(card).to_contain_text("07:00–08:00")
    card.click()

    expect(page).to_have_url(f"{live_server.url}{session.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vinyasa Flow")
    expect(page.get_by_test_id("session-when")).to_contain_text(
        f"{date_format(session.occurrence_date, 'l j F Y')}, 07:00–08:00"
    )
    teacher = page.get_by_role("link", name="Ana García")
    expect(teacher).to_have_attribute("href", "/teachers/ana-garcia/")
    expect(page.locator("dt:has-text('Spots') + dd")).to_have_text("9 of 14 free")
    expect(page.locator("dt:has-text('Price') + dd")).to_have_text("€14.00")

    save_screenshot(page, "class-detail.png")
