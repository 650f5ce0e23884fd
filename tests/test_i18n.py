"""Shala in Spanish: the catalogue is complete, pages and messages follow the reader's language.

English stays the default. A visitor's language comes from the switcher (Django's
set_language: a cookie) or the browser's Accept-Language; a signed-in person's from their
profile, which the switcher saves. Money and dates are written as the language writes them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from accounts.services import NotPermitted, set_language
from bookings import services
from bookings.messages import booking_context
from config.money import format_money
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
# Every language of settings.LANGUAGES but English (the source) has a catalogue; all are checked.
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
NBSP = "\u00a0"
TIMETABLE = reverse("schedules:timetable")


# --- the catalogue -------------------------------------------------------------------------


def _entries(po: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr(s) and flags."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": "", "strings": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry["strings"][key] += line[1:-1]
            else:
                key, _, value = line.partition(" ")
                entry["strings"][key] = value[1:-1]
        strings = entry["strings"]
        if strings.get("msgid"):  # the header's msgid is empty
            entry["key"] = (strings.get("msgctxt"), strings["msgid"], strings.get("msgid_plural"))
            entry["translations"] = [v for k, v in strings.items() if k.startswith("msgstr")]
            entries.append(entry)
    return entries


def _makefile_ignores() -> list[str]:
    """What `make messages` leaves out (the Makefile's MESSAGES_IGNORE), so both look at the same files."""
    match = re.search(r"^MESSAGES_IGNORE = (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "the Makefile names what makemessages leaves out in MESSAGES_IGNORE"
    return match.group(1).split()


def _catalogue(language: str, root: Path = ROOT) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_has_no_fuzzy_and_no_empty_translation(language):
    entries = _entries(_catalogue(language))
    assert len(entries) > 1000
    assert [e["key"] for e in entries if "fuzzy" in e["flags"]] == []
    assert [e["key"] for e in entries if not all(e["translations"])] == []


PROBE = "A sentence marked for translation that nobody has translated yet"


def test_every_string_marked_for_translation_is_translated_in_each_catalogue(tmp_path):
    """makemessages over a copy of the project finds nothing the committed catalogue lacks.

    A string newly marked in a template or in Python comes out of makemessages untranslated
    (or fuzzy, when msgmerge guesses from a similar one) and fails here until it is
    translated. The copy carries one such string of its own, a template marking PROBE: it
    must be reported, and nothing else (the negative control: the check can fail).
    """
    copy = tmp_path / "shala"
    leave_out = set(_makefile_ignores()) - {"locale"} | {".git", ".venv", "node_modules", "var", "__pycache__"}
    shutil.copytree(
        ROOT,
        copy,
        ignore=lambda folder, names: [n for n in names if n in leave_out or n.endswith(".mo")],
        symlinks=True,
    )
    (copy / "templates" / "i18n_probe.html").write_text(f'{{% load i18n %}}{{% translate "{PROBE}" %}}\n')
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": "sqlite://:memory:",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    args = [sys.executable, "manage.py", "makemessages", *(f"--locale={code}" for code in LANGUAGES), "--no-obsolete"]
    args += [f"--ignore={name}" for name in _makefile_ignores()]
    subprocess.run(args, cwd=copy, env=env, check=True, capture_output=True)

    for language in LANGUAGES:
        committed = {e["key"] for e in _entries(_catalogue(language))}
        found = _entries(_catalogue(language, copy))
        new = [e["key"] for e in found if e["key"] not in committed]
        untranslated = [e["key"] for e in found if "fuzzy" in e["flags"] or not all(e["translations"])]
        assert new == [(None, PROBE, None)], f"run `make messages` and translate the new entries ({language})"
        assert untranslated == [(None, PROBE, None)]


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_visitor_whose_browser_asks_for_spanish_gets_spanish_pages(client):
    response = client.get(TIMETABLE, HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    html = response.content.decode()
    assert '<html lang="es">' in html and response["Content-Language"] == "es"
    assert "Horario de clases" in html and "Iniciar sesión" in html and "Idioma" in html
    assert "Class timetable" not in html


@pytest.mark.django_db
def test_english_stays_the_default_for_any_other_language(client):
    html = client.get(TIMETABLE, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="en">' in html and "Class timetable" in html


def _switch(client: Client, page: str, language: str):
    """Send the footer's form as a browser does: the CSRF token from the page, then a POST."""
    html = client.get(page).content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)"[^>]*data-testid="language-switcher">(.*?)</form>', html, re.S
    )
    assert form, "every page has the language switcher"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(2)).group(1)
    following = re.search(r'name="next" value="([^"]+)"', form.group(2)).group(1)
    assert re.search(r'<label for="language-select"[^>]*>Language</label>', form.group(2))
    return client.post(form.group(1), {"csrfmiddlewaretoken": token, "language": language, "next": following})


@pytest.mark.django_db
def test_the_switcher_turns_the_site_spanish_and_keeps_the_page():
    browser = Client(enforce_csrf_checks=True)
    page = reverse("bookings:therapy_list")
    response = _switch(browser, page, "es")
    assert response.status_code == 302 and response["Location"] == page
    assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    html = browser.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in html and "Terapias" in html and "Sesiones individuales de terapia" in html


@pytest.mark.django_db
def test_the_switcher_saves_a_signed_in_persons_language_on_their_profile():
    carla = UserFactory(display_name="Carla", language="en")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(carla)
    _switch(browser, TIMETABLE, "es")
    carla.refresh_from_db()
    assert carla.language == "es"
    # The profile wins over the browser, on this device and any other.
    elsewhere = Client()
    elsewhere.force_login(carla)
    html = elsewhere.get(TIMETABLE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in html and "Mis reservas" in html


@pytest.mark.django_db
def test_switching_back_to_english_saves_that_too(client):
    carla = UserFactory(language="es")
    client.force_login(carla)
    client.post(reverse("set_language"), {"language": "en", "next": TIMETABLE})
    carla.refresh_from_db()
    assert carla.language == "en"
    assert "My bookings" in client.get(TIMETABLE).content.decode()


@pytest.mark.django_db
def test_a_language_the_studio_does_not_offer_changes_nothing(client):
    carla = UserFactory(language="en")
    client.force_login(carla)
    response = client.post(reverse("set_language"), {"language": "xx", "next": TIMETABLE})
    assert response.status_code == 302
    carla.refresh_from_db()
    assert carla.language == "en"


@pytest.mark.django_db
def test_only_the_person_or_staff_who_change_accounts_set_a_language():
    carla, david = UserFactory(language="en"), UserFactory()
    with pytest.raises(NotPermitted):
        set_language(user=carla, actor=david, language="es")
    with pytest.raises(ValueError):
        set_language(user=carla, actor=carla, language="xx")
    assert set_language(user=carla, actor=carla, language="es") is True
    assert set_language(user=carla, actor=None, language="es") is False  # already


@pytest.mark.django_db
def test_the_profile_page_offers_the_languages_by_their_own_names(client):
    client.force_login(UserFactory(language="es"))
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "Tu perfil" in html and ">Español<" in html and ">English<" in html


# --- messages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_booking_confirmation_to_a_spanish_speaking_client_is_in_spanish(
    mailoutbox, django_capture_on_commit_callbacks
):
    lucia = UserFactory(display_name="Lucía", language="es", time_zone="Europe/Madrid")
    session = upcoming_class(days=4, price="12.00")
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_class(client=lucia, session_id=session.pk, quantity=2)

    (message,) = [m for m in mailoutbox if lucia.email in m.to]
    assert "] Reservada: " in message.subject and booking.reference in message.body
    assert "Hola, Lucía:" in message.body and "Plazas: 2" in message.body
    assert f"24,00{NBSP}€" in message.body
    with translation.override("es"):
        day = date_format(session.starts_at.astimezone(lucia.zone), r"l, j \d\e F \d\e Y")
    assert day in message.body and "Booked" not in message.body


@pytest.mark.django_db
def test_the_same_confirmation_to_an_english_speaking_client_stays_english(
    mailoutbox, django_capture_on_commit_callbacks
):
    carla = UserFactory(display_name="Carla", language="en")
    session = upcoming_class(days=4, price="12.00")
    with django_capture_on_commit_callbacks(execute=True):
        services.book_class(client=carla, session_id=session.pk, quantity=1)
    (message,) = [m for m in mailoutbox if carla.email in m.to]
    assert "] Booked: " in message.subject and "Hello Carla," in message.body and "€12.00" in message.body


@pytest.mark.django_db
def test_what_the_outbox_keeps_is_in_the_readers_language_whoever_acts():
    """A reminder from a beat task or a booking made by English-speaking staff: the client's own words."""
    lucia = UserFactory(language="es")
    session = upcoming_class(days=4)
    booking = services.book_class(client=lucia, session_id=session.pk, quantity=1)
    with translation.override("en"):  # the task's (or the staff member's) language
        context = booking_context(booking)
    assert context["calendar"]["description"].startswith(f"Reserva {booking.reference} · 1 plaza(s) · ")
    with translation.override("es"):
        context = booking_context(booking, reader=UserFactory(language="en"))
    assert context["calendar"]["description"].startswith(f"Booking {booking.reference} · 1 spot(s) · ")


# --- money and dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "language", "written"),
    [
        (Decimal("12"), "en", "€12.00"),
        (Decimal("12"), "es", f"12,00{NBSP}€"),
        (Decimal("1234.5"), "en", "€1,234.50"),
        (Decimal("1234.5"), "es", f"1234,50{NBSP}€"),  # Spanish groups from five digits on
        (Decimal("12345.5"), "es", f"12{NBSP}345,50{NBSP}€"),
        (Decimal("-3"), "en", "-€3.00"),
        ("0.00", "es", f"0,00{NBSP}€"),
    ],
)
def test_money_is_written_as_the_language_writes_it(amount, language, written):
    assert format_money(amount, "EUR", language=language) == written


def test_money_follows_the_active_language_and_a_currency_without_a_sign_shows_its_code():
    with translation.override("es"):
        assert format_money(Decimal("9.5"), "GBP") == f"9,50{NBSP}£"
        assert format_money(Decimal("9.5"), "SEK") == f"9,50{NBSP}SEK"
    with translation.override("en"):
        assert format_money(Decimal("9.5"), "SEK") == f"SEK{NBSP}9.50"


def test_long_dates_are_written_as_the_language_writes_them():
    monday = date(2026, 12, 7)
    with translation.override("es"):
        assert date_format(monday, translation.gettext("l j F Y")) == "lunes, 7 de diciembre de 2026"
        assert date_format(datetime(2026, 12, 7, 18, 5), "D j M, H:i") == "lun 7 Dic, 18:05"
    with translation.override("en"):
        assert date_format(monday, translation.gettext("l j F Y")) == "Monday 7 December 2026"


@pytest.mark.django_db
def test_a_class_page_in_spanish_shows_the_price_and_date_the_spanish_way(client):
    session = upcoming_class(days=4, price="12.00")
    html = client.get(reverse("schedules:session", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Reservar esta clase" in html and f"12,00{NBSP}€ por plaza." in html
    assert "Inicia sesión para reservar" in html  # logged out
    with translation.override("es"):
        local = session.starts_at.astimezone(ZoneInfo(settings.DEFAULT_VIEWER_TIME_ZONE))  # a visitor's zone
        assert date_format(local, r"l, j \d\e F \d\e Y") in html
