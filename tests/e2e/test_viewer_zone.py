"""A visitor who is not logged in sees times in the zone their browser is in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
NEW_YORK = ZoneInfo("America/New_York")


def test_an_anonymous_visitor_in_new_york_sees_new_york_times(live_server, new_page, studio):
    page = new_page(timezone_id="America/New_York")
    session = studio.featured  # next Monday, 07:00 to 08:00 in Madrid
    starts, ends = session.starts_at.astimezone(NEW_YORK), session.ends_at.astimezone(NEW_YORK)
    week = f"{live_server.url}/classes/?week={session.occurrence_date}"

    page.goto(week)  # shala.js reports the browser's zone in a cookie
    page.reload()

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}  # the zone's and the switcher's CSRF
    assert cookies["shala_tz"] == "America%2FNew_York"  # as the script encodes it
    day = page.get_by_role("region", name=date_format(starts.date(), "l j F"), exact=True)
    card = day.get_by_test_id("session").filter(has_text="Ana García").first
    expect(card.locator(".session-time")).to_have_text(f"{starts:%H:%M}–{ends:%H:%M}")
    expect(page.locator("footer")).to_contain_text("Times are shown in America/New_York.")
