"""Staff's bookings list in a real browser: it fits a 1280 by 800 screen and shows every booking's start."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

from bookings import services as booking_services
from bookings.admin import START_FORMAT
from bookings.models import Booking
from bookings.services import book_therapy
from schedules.models import Practitioner, Room
from tests.bookings.conftest import at, make_therapist
from tests.e2e.test_bookings import a_client, bookable, default_policy  # noqa: F401 - autouse fixture
from tests.factories import PASSWORD, TherapyDurationFactory, TherapyTypeFactory, UserFactory

pytestmark = pytest.mark.e2e


def log_in_to_admin(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_the_bookings_list_fits_a_1280_screen_and_shows_every_start(live_server, page, studio):
    staff = UserFactory(email="front.desk@example.com", display_name="Olga Owner", is_staff=True, is_superuser=True)
    # Long names, a party of three, a client checked in: what makes the list wide on a real desk.
    lesson = booking_services.book_class(
        client=a_client("maria.del.carmen.fernandez-villanueva@example.com", "María del Carmen Fernández-Villanueva"),
        session_id=bookable(free=3).pk,
        quantity=3,
    )
    Booking.objects.filter(pk=lesson.pk).update(checked_in_at=timezone.now())  # at the door already
    therapist = make_therapist(studio.location)
    Practitioner.objects.filter(pk=therapist.pk).update(public_name="Maximiliano Fernández de Córdoba")
    luna = Room.objects.get(location=studio.location, name="Sala Luna")
    massage = TherapyTypeFactory(title="Deep tissue massage", therapists=[therapist], rooms=[luna])
    TherapyDurationFactory(therapy_type=massage, minutes=90)
    therapy = book_therapy(
        client=a_client("bartholomew.ashworth-smythe@example.com", "Bartholomew Ashworth-Smythe"),
        therapy_type=massage,
        minutes=90,
        practitioner=therapist,
        starts_at=at(10),
    )
    page.set_viewport_size({"width": 1280, "height": 800})

    log_in_to_admin(page, live_server, staff)
    page.goto(f"{live_server.url}/admin/bookings/booking/")

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    # The page must not scroll sideways, nor the list inside its own scroll box (the admin
    # wraps the table in an overflow-x: auto box, which hides the columns past its edge).
    widths = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            window: document.documentElement.clientWidth,
            table: document.querySelector("#result_list").scrollWidth,
            box: document.querySelector("#changelist .results").clientWidth,
        })"""
    )
    assert widths["page"] <= widths["window"], widths
    assert widths["table"] <= widths["box"], widths
    for booking, starts in ((lesson, lesson.class_session.starts_at), (therapy, therapy.starts_at)):
        shown = date_format(timezone.localtime(starts, staff.zone), START_FORMAT)
        expect(rows.filter(has_text=booking.reference)).to_contain_text(shown)
    expect(rows.filter(has_text=lesson.reference)).to_contain_text(lesson.class_session.class_type.title)
    expect(rows.filter(has_text=therapy.reference)).to_contain_text("Deep tissue massage")
