"""Booking in a browser: book and cancel as a client, the roster at the door, changing a booking, a full class."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

from accounts.models import User
from bookings import services as booking_services
from bookings.models import Booking, BookingPolicy, BookingStatus
from schedules.models import ClassSession
from schedules.selectors import week_start_of
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def default_policy(transactional_db) -> BookingPolicy:
    """The studio default of migration 0002 (24 h: 100 %, 12 h: 50 %); live_server tests flush it."""
    policy, created = BookingPolicy.objects.get_or_create(
        is_default=True,
        defaults={"name": "Studio default", "booking_opens_days": 30, "cutoff_minutes": 60, "max_party_size": 4},
    )
    if created:
        policy.tiers.create(min_hours_before=Decimal("24"), refund_percent=Decimal("100"))
        policy.tiers.create(min_hours_before=Decimal("12"), refund_percent=Decimal("50"))
    return policy


# --- helpers ------------------------------------------------------------------------------


def a_client(email: str, name: str) -> User:
    """A client who confirmed their e-mail address and can log in with PASSWORD."""
    user = UserFactory(email=email, display_name=name)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(page, live_server, user: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/classes/")
    expect(navbar(page).get_by_role("link", name=user.display_name)).to_be_visible()


def navbar(page):
    return page.locator("#mainnav")


def bookable(*, free: int = 1, days_ahead: int = 2, **filters) -> ClassSession:
    """The first studio class at least ``days_ahead`` days away with ``free`` spots or more."""
    session = (
        ClassSession.objects.scheduled()
        .filter(starts_at__gte=timezone.now() + timedelta(days=days_ahead), **filters)
        .order_by("starts_at", "pk")
    )
    found = next((s for s in session if s.spots_left >= free), None)
    assert found, f"the studio has no class {days_ahead} days ahead with {free} free spots"
    return found


def local(session: ClassSession):
    return timezone.localtime(session.starts_at, session.location.zone)


def when(session: ClassSession) -> str:
    """The date line of the booking and class pages (the viewers here are in the studio's zone)."""
    start, end = local(session), timezone.localtime(session.ends_at, session.location.zone)
    return f"{date_format(start, 'l j F Y')}, {start:%H:%M}–{end:%H:%M}"


def open_from_timetable(page, live_server, studio, session: ClassSession) -> None:
    """Page forward from this week's timetable (where logging in lands) to the class's week; click its card."""
    expect(page).to_have_url(f"{live_server.url}/classes/")
    week = studio.week_start
    while week < week_start_of(local(session).date()):
        page.get_by_role("link", name="Next week").click()
        week += timedelta(days=7)
        expect(page.get_by_test_id("week-range")).to_contain_text(date_format(week, "j M"))
    card = page.get_by_test_id("session").filter(has=page.locator(f'a[href="{session.get_absolute_url()}"]'))
    expect(card).to_contain_text(session.class_type.title)
    card.click()
    expect(page).to_have_url(f"{live_server.url}{session.get_absolute_url()}")
    expect(page.get_by_test_id("session-when")).to_contain_text(when(session))


# --- the client books and cancels ------------------------------------------------------------


def test_it_books_two_spots_and_cancels_them(live_server, page, studio, save_screenshot):
    client = a_client("carla@example.com", "Carla Client")
    session = bookable(free=2)
    taken_before = session.spots_taken
    log_in(page, live_server, client)

    open_from_timetable(page, live_server, studio, session)
    panel = page.get_by_test_id("booking-panel")
    expect(panel).to_contain_text(f"€{session.price} per spot.")
    panel.locator("select[name=quantity]").select_option("2")
    panel.get_by_label("Note to the instructor (optional)").fill("Recovering from a knee injury.")
    panel.get_by_role("button", name="Book").click()

    expect(page.get_by_role("alert")).to_contain_text("You're booked!")
    booking = Booking.objects.get(client=client)
    expect(page).to_have_url(f"{live_server.url}{booking.get_absolute_url()}")
    expect(page.get_by_role("alert")).to_have_text(f"You're booked! Your reference is {booking.reference}.")
    expect(page.get_by_test_id("reference")).to_have_text(booking.reference)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{session.class_type.title} Confirmed")
    expect(page.locator("p.lead")).to_have_text(when(session))
    expect(page.get_by_test_id("quantity")).to_have_text("2")
    total = session.price * 2
    expect(page.locator("dt:has-text('Price') + dd")).to_have_text(f"2 × €{session.price} = €{total}")
    expect(page.locator("dt:has-text('Your note') + dd")).to_have_text("Recovering from a knee injury.")
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.quantity, booking.note) == (2, "Recovering from a knee injury.")
    session.refresh_from_db()
    assert session.spots_taken == taken_before + 2
    save_screenshot(page, "booking-confirmed.png")

    navbar(page).get_by_role("link", name="My bookings").click()

    expect(page).to_have_url(f"{live_server.url}/bookings/")
    row = page.get_by_test_id("booking-row").filter(has_text=booking.reference)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(session.class_type.title)
    expect(row).to_contain_text(f"{date_format(local(session), 'D j M')}, {local(session):%H:%M}")
    expect(row.get_by_test_id("status")).to_have_text("Confirmed")
    expect(row.locator("td").nth(2)).to_have_text("2")

    row.get_by_role("link", name="Cancel").click()

    expect(page).to_have_url(f"{live_server.url}/bookings/{booking.reference}/cancel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your booking?")
    preview = page.get_by_test_id("policy-preview")
    # More than 24 hours ahead: the full-refund tier. Nothing is paid online yet (pay at the studio).
    expect(preview).to_contain_text(re.compile(r"You are cancelling \d+\.\d hours before the start\."))
    expect(preview).to_contain_text("Refund under the policy: 100 % of the price")
    expect(preview.get_by_test_id("refund")).to_have_text("€0.00")
    expect(preview).to_contain_text("(nothing was paid online)")
    expect(preview.get_by_test_id("fee")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("24 h or more before: 100 %; 12 h or more before: 50 %")
    save_screenshot(page, "cancel-preview.png")

    page.get_by_label("Reason (optional)").fill("Knee needs more rest.")
    page.get_by_role("button", name="Yes, cancel it").click()

    expect(page).to_have_url(f"{live_server.url}/bookings/")
    expect(page.get_by_role("alert")).to_have_text(f"Booking {booking.reference} cancelled. Refund: €0.00; fee: €0.00.")
    row = page.get_by_test_id("booking-row").filter(has_text=booking.reference)
    expect(row.get_by_test_id("status")).to_have_text("Cancelled")
    expect(row.get_by_role("link", name="Cancel")).to_have_count(0)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancel_reason == "Knee needs more rest."
    session.refresh_from_db()
    assert session.spots_taken == taken_before


# --- staff at the door ---------------------------------------------------------------------


def test_it_shows_the_roster_and_checks_a_client_in(live_server, page, studio):
    admin = UserFactory(email="owner@example.com", display_name="Olga Owner", is_staff=True, is_superuser=True)
    session = bookable(free=3)
    carla = a_client("carla@example.com", "Carla Client")
    david = a_client("david@example.com", "David Other")
    booking_services.book_class(client=carla, session_id=session.pk, quantity=1, note="Pregnant, second trimester.")
    davids = booking_services.book_class(client=david, session_id=session.pk, quantity=2)

    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill(admin.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.get_by_role("link", name="Class sessions").first.click()
    expect(page).to_have_url(f"{live_server.url}/admin/schedules/classsession/")
    roster_url = f"/admin/bookings/booking/roster/{session.pk}/"
    page.locator(f'#result_list a[href="{roster_url}"]').click()

    expect(page).to_have_url(f"{live_server.url}{roster_url}")
    start = local(session)
    expect(page.locator("#content h2")).to_have_text(
        f"{session.class_type.title} — {date_format(start, 'l j F Y')}, {start:%H:%M}"
    )
    expect(page.locator("#content")).to_contain_text(f"3 of {session.capacity} spots booked · 0 checked in")
    roster = page.get_by_test_id("roster")
    rows = roster.get_by_test_id("roster-row")
    expect(rows).to_have_count(2)
    carla_row = rows.filter(has_text="carla@example.com")
    david_row = rows.filter(has_text="david@example.com")
    expect(carla_row).to_contain_text("Carla Client")
    expect(carla_row.locator("td.note")).to_have_text("Pregnant, second trimester.")
    expect(david_row).to_contain_text("David Other")
    expect(david_row.locator("td").nth(1)).to_have_text("2")
    expect(david_row.locator("td.note")).to_have_text("")

    david_row.get_by_test_id("check-in").click()

    expect(page).to_have_url(f"{live_server.url}{roster_url}")
    davids.refresh_from_db()
    assert davids.checked_in_at is not None
    checked_at = timezone.localtime(davids.checked_in_at, admin.zone)
    david_row = page.get_by_test_id("roster-row").filter(has_text="david@example.com")
    expect(david_row.locator("td").last).to_contain_text(f"✔ {checked_at:%H:%M}")
    expect(david_row.get_by_role("button", name="Undo")).to_be_visible()
    expect(david_row.get_by_test_id("check-in")).to_have_count(0)
    carla_row = page.get_by_test_id("roster-row").filter(has_text="carla@example.com")
    expect(carla_row.get_by_test_id("check-in")).to_be_visible()
    expect(page.locator("#content")).to_contain_text(f"3 of {session.capacity} spots booked · 1 checked in")
    assert Booking.objects.get(client=carla).checked_in_at is None


# --- changing a booking --------------------------------------------------------------------


def option_label(session: ClassSession) -> str:
    """How the change form lists a date (bookings.forms._when), in the client's zone."""
    start = local(session)
    return f"{start:%a %d %b, %H:%M} · {session.location.name} · {session.spots_left} free"


def test_it_moves_a_booking_to_another_date(live_server, page, studio):
    client = a_client("carla@example.com", "Carla Client")
    vinyasa = studio.class_types["vinyasa-flow"]
    current = bookable(free=2, class_type=vinyasa)
    booking = booking_services.book_class(client=client, session_id=current.pk, quantity=2, note="Bringing a friend.")
    # The form offers the dates with room for the booking's current party (bookings.selectors.move_options).
    target = bookable(free=2, class_type=vinyasa, starts_at__gt=current.starts_at)
    current.refresh_from_db()
    taken = {current.pk: current.spots_taken, target.pk: target.spots_taken}
    log_in(page, live_server, client)

    navbar(page).get_by_role("link", name="My bookings").click()
    page.get_by_role("link", name=booking.reference).click()
    expect(page.get_by_test_id("reference")).to_have_text(booking.reference)
    expect(page.locator("p.lead")).to_have_text(when(current))
    page.get_by_role("link", name="Change date or spots").click()

    expect(page).to_have_url(f"{live_server.url}/bookings/{booking.reference}/change/")
    date_select = page.get_by_label("Date")
    expect(date_select.locator("option").first).to_have_text(f"Keep {option_label(current)}")
    date_select.select_option(label=option_label(target))
    page.get_by_label("Spots").select_option("1")
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(f"{live_server.url}{booking.get_absolute_url()}")
    expect(page.get_by_role("alert")).to_have_text(f"Your booking {booking.reference} has been changed.")
    expect(page.locator("p.lead")).to_have_text(when(target))
    expect(page.get_by_test_id("quantity")).to_have_text("1")
    expect(page.locator("dt:has-text('Your note') + dd")).to_have_text("Bringing a friend.")
    booking.refresh_from_db()
    assert (booking.class_session_id, booking.quantity, booking.total) == (target.pk, 1, target.price)
    assert ClassSession.objects.get(pk=current.pk).spots_taken == taken[current.pk] - 2
    assert ClassSession.objects.get(pk=target.pk).spots_taken == taken[target.pk] + 1


# --- a full class ---------------------------------------------------------------------------


def test_it_offers_no_booking_for_a_full_class(live_server, page, studio):
    client = a_client("carla@example.com", "Carla Client")
    session = bookable(free=1)
    ClassSession.objects.filter(pk=session.pk).update(spots_taken=session.capacity)  # the last spot just went
    log_in(page, live_server, client)

    open_from_timetable(page, live_server, studio, session)

    panel = page.get_by_test_id("booking-panel")
    expect(panel.locator(".badge")).to_have_text("Full")
    expect(panel).to_contain_text("This class is full. Try another date.")
    expect(panel.get_by_role("button", name="Book")).to_have_count(0)
    expect(panel.locator("select[name=quantity]")).to_have_count(0)
    expect(page.locator("dt:has-text('Spots') + dd")).to_have_text(f"0 of {session.capacity} free")
    assert not Booking.objects.exists()
