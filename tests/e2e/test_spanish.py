"""The booking path in Spanish, in a browser: timetable → class → book → my bookings; and the switcher."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

from accounts.models import User
from bookings.models import Booking, BookingStatus
from schedules.selectors import week_start_of
from tests.e2e.test_bookings import a_client, bookable, default_policy, local  # noqa: F401  (default_policy: autouse)
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

NBSP = "\u00a0"


def euros(amount) -> str:
    return f"{amount:.2f}".replace(".", ",") + f"{NBSP}€"


def spanish(fmt: str, moment) -> str:
    with translation.override("es"):
        return date_format(moment, fmt)


def log_in_spanish(page, live_server, user: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page).to_have_url(f"{live_server.url}/classes/")


def test_a_spanish_client_books_a_class_in_spanish(live_server, new_page, studio):
    page = new_page(locale="es-ES")
    lucia = a_client("lucia@example.com", "Lucía López")
    User.objects.filter(pk=lucia.pk).update(language="es")
    session = bookable(free=1)
    log_in_spanish(page, live_server, lucia)

    # The timetable, in Spanish, paged forward to the class's week.
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clases")
    week = studio.week_start
    while week < week_start_of(local(session).date()):
        page.get_by_role("link", name="Semana siguiente").click()
        week += timedelta(days=7)
    day = local(session).date()
    expect(page.get_by_role("region", name=spanish(r"l, j \d\e F", day))).to_be_visible()
    page.get_by_test_id("session").filter(has=page.locator(f'a[href="{session.get_absolute_url()}"]')).click()

    # The class page: its date, its price per spot, the booking form.
    expect(page).to_have_url(f"{live_server.url}{session.get_absolute_url()}")
    expect(page.get_by_test_id("session-when")).to_contain_text(spanish(r"l, j \d\e F \d\e Y", local(session)))
    panel = page.get_by_test_id("booking-panel")
    expect(panel.get_by_role("heading")).to_have_text("Reservar esta clase")
    expect(panel).to_contain_text(f"{euros(session.price)} por plaza.")
    panel.get_by_label("Nota para el profesor (opcional)").fill("Me recupero de una lesión de rodilla.")
    panel.get_by_role("button", name="Reservar").click()

    # Booked: the message, the booking page.
    booking = Booking.objects.get(client=lucia)
    assert booking.status == BookingStatus.CONFIRMED
    expect(page).to_have_url(f"{live_server.url}{booking.get_absolute_url()}")
    expect(page.get_by_role("alert")).to_have_text(f"¡Reserva hecha! Tu referencia es {booking.reference}.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{session.class_type.title} Confirmada")
    expect(page.locator("dt:has-text('Precio') + dd")).to_contain_text(euros(booking.total))

    # My bookings.
    page.locator("#mainnav").get_by_role("link", name="Mis reservas").click()
    expect(page).to_have_url(f"{live_server.url}/bookings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis reservas")
    row = page.get_by_test_id("booking-row").filter(has_text=booking.reference)
    expect(row).to_contain_text(euros(booking.total))
    expect(row).to_contain_text("Confirmada")
    expect(row.get_by_role("link", name="Cancelar")).to_be_visible()


def test_the_switcher_turns_the_page_spanish_and_back(live_server, page, studio):
    session = bookable(free=1)
    url = f"{live_server.url}{session.get_absolute_url()}"
    page.goto(url)
    expect(page.get_by_role("heading", name="Book this class")).to_be_visible()

    page.get_by_label("Language").select_option(label="Español")
    page.get_by_role("button", name="Change language").click()
    expect(page).to_have_url(url)  # the same page, now in Spanish
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Reservar esta clase")).to_be_visible()
    expect(page.get_by_label("Idioma")).to_have_value("es")

    page.get_by_label("Idioma").select_option(label="English")
    page.get_by_role("button", name="Cambiar idioma").click()
    expect(page).to_have_url(url)
    expect(page.get_by_role("heading", name="Book this class")).to_be_visible()
