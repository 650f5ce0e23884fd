"""Busy times from a therapist's own Google/Outlook calendar: parsed, stored, kept free.

Google and Microsoft lie outside this machine, so their HTTP answers are mocked at
the boundary with ``responses`` (the exact URL requested is checked), and their names
resolve to public addresses through ``public_dns``. What the address may reach is
test_calendar_address_rules.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from schedules import external_calendar
from schedules.availability import Interval
from schedules.ical_busy import CalendarReadError, busy_intervals
from schedules.models import ExternalBusyTime, TherapistSettings
from schedules.slots import slots_for
from tests.bookings.conftest import availability_post
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    TherapistFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
)

MADRID = ZoneInfo("Europe/Madrid")
URL = "https://calendar.google.com/calendar/ical/ana%40example.com/private-abc123/basic.ics"


def _ics(*events: str) -> bytes:
    body = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
            *events,
            "END:VCALENDAR",
        ]
    )
    return (body + "\r\n").encode()


def _event(uid: str, *lines: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", *lines, "END:VEVENT"])


WINDOW = {"start": datetime(2026, 12, 1, tzinfo=UTC), "end": datetime(2026, 12, 31, tzinfo=UTC), "zone": MADRID}


# --- the pure parser ----------------------------------------------------------------------


def test_it_reads_timed_events_with_their_zone():
    ics = _ics(
        _event(
            "a",
            "DTSTART;TZID=Europe/Madrid:20261207T100000",
            "DTEND;TZID=Europe/Madrid:20261207T113000",
            "SUMMARY:Dentist",
        )
    )
    assert busy_intervals(ics, **WINDOW) == [
        Interval(datetime(2026, 12, 7, 10, tzinfo=MADRID), datetime(2026, 12, 7, 11, 30, tzinfo=MADRID))
    ]


def test_it_expands_weekly_repeats_and_skips_exceptions():
    ics = _ics(
        _event(
            "r",
            "DTSTART:20261201T170000Z",
            "DTEND:20261201T180000Z",
            "RRULE:FREQ=WEEKLY;COUNT=4",
            "EXDATE:20261215T170000Z",
        )
    )
    starts = [i.start for i in busy_intervals(ics, **WINDOW)]
    assert starts == [datetime(2026, 12, d, 17, tzinfo=UTC) for d in (1, 8, 22)]


def test_an_all_day_event_blocks_the_whole_local_day():
    ics = _ics(_event("d", "DTSTART;VALUE=DATE:20261210", "DTEND;VALUE=DATE:20261211", "SUMMARY:Off"))
    (span,) = busy_intervals(ics, **WINDOW)
    assert span == Interval(datetime(2026, 12, 10, tzinfo=MADRID), datetime(2026, 12, 11, tzinfo=MADRID))


def test_free_and_cancelled_events_block_nothing_and_overlaps_merge():
    ics = _ics(
        _event("f", "DTSTART:20261203T090000Z", "DTEND:20261203T100000Z", "TRANSP:TRANSPARENT"),
        _event("c", "DTSTART:20261203T110000Z", "DTEND:20261203T120000Z", "STATUS:CANCELLED"),
        _event("m1", "DTSTART:20261204T090000Z", "DTEND:20261204T100000Z"),
        _event("m2", "DTSTART:20261204T093000Z", "DURATION:PT1H"),
    )
    assert busy_intervals(ics, **WINDOW) == [
        Interval(datetime(2026, 12, 4, 9, tzinfo=UTC), datetime(2026, 12, 4, 10, 30, tzinfo=UTC))
    ]


def test_floating_times_are_read_in_the_therapists_zone():
    ics = _ics(_event("fl", "DTSTART:20261207T100000", "DTEND:20261207T110000"))
    (span,) = busy_intervals(ics, **WINDOW)
    assert span.start == datetime(2026, 12, 7, 10, tzinfo=MADRID)


def test_garbage_is_a_read_error():
    with pytest.raises(CalendarReadError):
        busy_intervals(b"<html>Sign in</html>", **WINDOW)


# --- fetching and storing --------------------------------------------------------------------


@pytest.fixture
def therapist(db, public_dns):
    """A therapist with a Google calendar linked (Google's name resolves to its public address)."""
    therapist = TherapistFactory()
    TherapistSettingsFactory(practitioner=therapist, external_calendar_url=URL, booking_window_days=30)
    return therapist


def _soon(days: int, hour: int) -> datetime:
    day = timezone.localdate(timezone.now(), MADRID) + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=MADRID)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@responses.activate
def test_sync_stores_the_busy_times_and_replaces_them_next_time(therapist):
    first = _soon(3, 10)
    responses.get(
        URL, body=_ics(_event("x", f"DTSTART:{_stamp(first)}", f"DTEND:{_stamp(first + timedelta(hours=2))}"))
    )
    cfg = TherapistSettings.objects.get(pk=therapist.pk)
    assert external_calendar.sync(cfg) == 1
    assert responses.calls[0].request.url == URL
    moved = _soon(4, 15)
    responses.replace(
        responses.GET,
        URL,
        body=_ics(_event("x", f"DTSTART:{_stamp(moved)}", f"DTEND:{_stamp(moved + timedelta(hours=1))}")),
    )
    external_calendar.sync(cfg)
    assert list(ExternalBusyTime.objects.values_list("starts_at", flat=True)) == [moved]
    cfg.refresh_from_db()
    assert cfg.external_synced_at and cfg.external_sync_error == ""


@responses.activate
def test_a_failed_read_keeps_the_last_busy_times_and_says_why(therapist):
    start = _soon(3, 10)
    responses.get(
        URL, body=_ics(_event("x", f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(start + timedelta(hours=1))}"))
    )
    cfg = TherapistSettings.objects.get(pk=therapist.pk)
    external_calendar.sync(cfg)
    responses.replace(responses.GET, URL, status=404)
    assert external_calendar.sync(cfg) == 0
    cfg.refresh_from_db()
    assert "404" in cfg.external_sync_error
    assert ExternalBusyTime.objects.filter(practitioner=therapist).count() == 1


@responses.activate
def test_clients_are_not_offered_times_the_therapists_own_calendar_is_busy(therapist):
    location = LocationFactory(time_zone="Europe/Madrid")
    TherapistSettings.objects.filter(pk=therapist.pk).update(min_notice_hours=0, slot_step_minutes=60)
    day = _soon(3, 0).date()
    AvailabilityRuleFactory(
        practitioner=therapist, weekday=day.weekday(), start_time=time(9), end_time=time(13), location=location
    )
    kind = TherapyTypeFactory(therapists=[therapist])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    busy = _soon(3, 10)
    responses.get(URL, body=_ics(_event("x", f"DTSTART:{_stamp(busy)}", f"DTEND:{_stamp(busy + timedelta(hours=2))}")))
    external_calendar.sync(TherapistSettings.objects.get(pk=therapist.pk))
    found = slots_for(
        kind, minutes=60, practitioner_ids=[therapist.pk], first_day=day, last_day=day, now=timezone.now()
    )
    assert [s.start.astimezone(MADRID).hour for s in found[0].slots] == [9, 12]  # 10:00-12:00 is busy


@pytest.mark.django_db
def test_linking_a_calendar_on_the_page_reads_it_and_removing_it_forgets_it(
    client, therapist, django_capture_on_commit_callbacks
):
    cfg = TherapistSettings.objects.get(pk=therapist.pk)
    TherapistSettings.objects.filter(pk=cfg.pk).update(external_calendar_url="")
    client.force_login(therapist.user)
    form = availability_post(booking_window_days="30")
    start = _soon(2, 10)
    with responses.RequestsMock() as mock:
        mock.get(URL, body=_ics(_event("x", f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(start + timedelta(hours=1))}")))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("bookings:therapist_availability"),
                {**form, "cfg-external_calendar_url": URL.replace("https", "webcal", 1)},
            )
        assert response.status_code == 302
    assert TherapistSettings.objects.get(pk=cfg.pk).external_calendar_url == URL
    assert ExternalBusyTime.objects.filter(practitioner=therapist).count() == 1
    week = client.get(reverse("bookings:therapist_calendar"), {"week": start.date().isoformat()}).content.decode()
    assert 'data-kind="external"' in week
    client.post(reverse("bookings:therapist_availability"), {**form, "cfg-external_calendar_url": ""})
    assert not ExternalBusyTime.objects.filter(practitioner=therapist).exists()


@pytest.mark.django_db
def test_a_non_https_address_is_refused_on_the_page(client, therapist):
    client.force_login(therapist.user)
    response = client.post(
        reverse("bookings:therapist_availability"),
        availability_post(booking_window_days="30", external_calendar_url="http://intranet.local/cal.ics"),
    )
    assert response.status_code == 200 and "https://" in response.content.decode()
