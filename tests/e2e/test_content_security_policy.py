"""The Content-Security-Policy, enforced by a real Chromium, breaks no page.

Every page a client, a therapist or an instructor sees (the list of the accessibility
test, ``pages_to_check``) and the admin pages staff use most are opened in Chromium with
the policy the server sends. Each must carry the strict policy (no 'unsafe-inline', no
'unsafe-eval') and cause no violation: a ``securitypolicyviolation`` event (listened for
by a script Playwright adds before the page's own) or a console message about the
policy. Then the htmx parts still work under it: a day of the therapy calendar swaps its
times in place, and an instructor checks a client in without a page load. A negative
control proves the listener hears a violation when there is one.

The forms the accessibility test POSTs (a CSRF failure, the series plan) render
templates its GETs cover too; here they are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from bookings import services as booking_services
from schedules.recurrence import wall_time_to_utc
from tests.bookings.conftest import upcoming_class
from tests.e2e.conftest import STUDIO_ZONE
from tests.e2e.test_accessibility import ANONYMOUS, INSTRUCTOR, Site, pages_to_check
from tests.e2e.test_accessibility import site as accessibility_site  # noqa: F401 (registers the fixture)
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

# Set before any script of the page runs; the list lives as long as the page.
LISTEN_FOR_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@dataclass
class Watched:
    """A browser context whose pages report every CSP violation, per page and on the console."""

    context: BrowserContext
    console: list[str] = field(default_factory=list)

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("console", self._heard)
        return page

    def _heard(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)


def violations(page: Page) -> list[str]:
    """What the page reported so far; reports are dispatched as tasks, so let them arrive."""
    page.wait_for_timeout(50)
    return page.evaluate("window.cspViolations")


def assert_strict_policy(response, where: str) -> None:
    policy = response.headers.get("content-security-policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], f"{where}: {policy!r}"
    assert directives.get("style-src") == ["'self'"], f"{where}: {policy!r}"
    assert directives.get("default-src") == ["'self'"], f"{where}: {policy!r}"
    assert directives.get("frame-ancestors") == ["'none'"], f"{where}: {policy!r}"


@pytest.fixture
def seeded(request: pytest.FixtureRequest) -> Site:
    """The accessibility test's studio: its people, bookings, offers and therapy rows."""
    return request.getfixturevalue("accessibility_site")


@pytest.fixture
def watched(browser: Browser, live_server) -> Iterator:
    """Open a watched context, logged in as ``user`` (by session cookie) unless None."""
    opened: list[Watched] = []

    def open_context(user: User | None) -> Watched:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id=STUDIO_ZONE, locale="en-GB")
        context.set_default_timeout(15_000)
        context.add_init_script(LISTEN_FOR_VIOLATIONS)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        opened.append(Watched(context))
        return opened[-1]

    yield open_context
    for w in opened:
        w.context.close()


def test_the_listener_hears_a_violation(seeded: Site, live_server, watched) -> None:
    """Negative control: an inline style added to a page is refused, and reported."""
    browser_ = watched(None)
    page = browser_.new_page()
    page.goto(f"{live_server.url}/classes/")
    assert violations(page) == []
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body {}'; document.head.append(s); }"
    )
    assert any(v.startswith("style-src-elem blocked inline") for v in violations(page)), violations(page)
    assert browser_.console, "Chromium said nothing on the console about the refused style"


def test_no_page_breaks_the_policy(seeded: Site, live_server, watched) -> None:
    found: dict[str, list[str]] = {}
    visits = [v for v in pages_to_check(seeded) if v.data is None]
    for role in dict.fromkeys(v.role for v in visits):
        browser_ = watched(None if role == ANONYMOUS else seeded.users[role])
        page = browser_.new_page()
        for visit in (v for v in visits if v.role == role):
            response = page.goto(f"{live_server.url}{visit.path}")
            assert response is not None and response.status == visit.status, (visit, response and response.status)
            assert_strict_policy(response, f"{role} {visit.path}")
            if problems := violations(page):
                found[f"{role} {visit.path}"] = problems
        if browser_.console:
            found[f"{role}: console"] = browser_.console
    report = "\n".join(f"{where}:\n  " + "\n  ".join(problems) for where, problems in found.items())
    assert not found, f"Content-Security-Policy violations:\n{report}"


def test_admin_pages_keep_working_under_the_policy(seeded: Site, live_server, watched) -> None:
    staff = UserFactory(email="sam@example.com", display_name="Sam Staff", is_staff=True, is_superuser=True)
    schedule = seeded.studio.schedules[0]
    session = seeded.class_booking.class_session
    paths = [
        "/admin/",
        "/admin/bookings/booking/",
        f"/admin/bookings/booking/{seeded.class_booking.pk}/change/",
        f"/admin/bookings/booking/roster/{session.pk}/",
        f"/admin/bookings/booking/roster/{seeded.offer.session_id}/",  # with its waitlist queue
        "/admin/schedules/classschedule/add/",
        f"/admin/schedules/classschedule/{schedule.pk}/change/",  # the recurrence widget (jQuery)
        f"/admin/schedules/classsession/{session.pk}/change/",  # date and time pickers
        "/admin/accounts/user/",
    ]
    browser_ = watched(staff)
    page = browser_.new_page()
    found: dict[str, list[str]] = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, (path, response and response.status)
        assert_strict_policy(response, path)
        if problems := violations(page):
            found[path] = problems

    # The widgets run: the roster's Print link prints, the recurrence widget draws its
    # editor, the date picker opens its calendar.
    page.goto(f"{live_server.url}/admin/bookings/booking/roster/{session.pk}/")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("link", name="Print").click()
    assert page.evaluate("window.printed === true"), "the Print link did not print"
    page.goto(f"{live_server.url}/admin/schedules/classschedule/{schedule.pk}/change/")
    expect(page.locator(".recurrence-widget").first).to_be_visible()
    page.goto(f"{live_server.url}/admin/schedules/classsession/{session.pk}/change/")
    page.locator("#calendarlink0").click()
    expect(page.locator("#calendarbox0")).to_be_visible()
    if problems := violations(page):
        found["widgets"] = problems
    if browser_.console:
        found["console"] = browser_.console
    report = "\n".join(f"{where}:\n  " + "\n  ".join(problems) for where, problems in found.items())
    assert not found, f"Content-Security-Policy violations in admin:\n{report}"


def test_htmx_still_swaps_in_place_under_the_policy(seeded: Site, live_server, watched) -> None:
    # The therapy calendar: choosing another free day brings its times without a page load.
    client = watched(seeded.users["client"])
    page = client.new_page()
    page.goto(f"{live_server.url}/therapy/{seeded.therapy_type.slug}/?day={seeded.therapy_day}")
    page.evaluate("window.shalaMarker = 'still here'")
    other_day = page.get_by_test_id("month-calendar").locator('a[data-testid="free-day"]').last
    chosen = other_day.get_attribute("data-day")
    other_day.click()
    expect(page.get_by_test_id("times-heading")).to_be_focused()
    assert f"day={chosen}" in page.url
    assert page.evaluate("window.shalaMarker") == "still here", "the page was reloaded"
    assert violations(page) == []

    # The instructor's roster: a check-in is swapped in place.
    instructor = seeded.users[INSTRUCTOR]
    zone = seeded.studio.location.zone
    starts = wall_time_to_utc(timezone.localdate(timezone.now(), zone) + timedelta(days=2), time(21, 30), zone)
    session = upcoming_class(starts_at=starts, instructor=instructor.practitioner)
    booking_services.book_class(client=seeded.users["client"], session_id=session.pk, quantity=1)
    teacher = watched(instructor)
    page = teacher.new_page()
    page.goto(f"{live_server.url}/instructor/classes/{session.pk}/")
    page.evaluate("window.shalaMarker = 'still here'")
    entry = page.get_by_test_id("roster-entry").filter(has_text="Carla Client")
    entry.get_by_role("button", name="Check in Carla Client").click()
    expect(entry.get_by_test_id("checked-in")).to_contain_text("Checked in at")
    assert page.evaluate("window.shalaMarker") == "still here", "the page was reloaded"
    assert violations(page) == []
    assert not client.console and not teacher.console, client.console + teacher.console


def test_on_https_the_zone_cookie_is_secure(live_server, browser: Browser, transactional_db) -> None:
    """shala.js marks its cookie Secure on HTTPS; over plain HTTP (make run) it cannot."""
    served = "https://shala.test"
    context = browser.new_context(timezone_id="America/New_York")
    try:
        # The live server's pages, as if they came over HTTPS (Playwright answers for the host).
        context.route(
            f"{served}/**",
            lambda route: route.fulfill(response=route.fetch(url=route.request.url.replace(served, live_server.url))),
        )
        page = context.new_page()
        page.goto(f"{served}/classes/")
        (cookie,) = [c for c in context.cookies(served) if c["name"] == "shala_tz"]
        assert cookie["secure"] is True
        assert cookie["sameSite"] == "Lax"
        assert cookie["value"] == "America%2FNew_York"

        page.goto(f"{live_server.url}/classes/")
        (plain,) = [c for c in context.cookies(live_server.url) if c["name"] == "shala_tz"]
        assert plain["secure"] is False
    finally:
        context.close()
