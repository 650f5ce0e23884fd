"""A therapist's settings and weekly hours have one write path (schedules.therapist_settings).

The therapist's page and the Practitioner admin (its settings and weekly-hours inlines)
both save through ``save_therapist_setup``: the same refusals (a calendar address we may
not read, overlapping hours), one transaction, and the calendar step (a removed address
takes its imported busy times along, a new one is read after the commit). Reading the
settings of a therapist who has none writes nothing. Google lies outside this machine: its
answer is mocked with ``responses`` and its name resolves through ``public_dns``.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, time, timedelta

import pytest
import responses
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from schedules import therapist_settings
from schedules.external_calendar import UNREADABLE
from schedules.models import AvailabilityRule, ExternalBusyTime, Location, TherapistSettings
from schedules.slots import settings_for
from schedules.therapist_calendar import HoursRange
from schedules.therapist_settings import NotPermitted, save_therapist_setup
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    TherapistFactory,
    TherapistSettingsFactory,
    UserFactory,
    staff_with,
)
from tests.test_formset_limits import _change_form

GOOGLE = "https://calendar.google.com/calendar/ical/ana%40example.com/private-abc123/basic.ics"
SETTINGS = "therapist_settings-0-"  # the settings inline's fields in the admin form
HOURS = "availability_rules"  # the weekly-hours inline's prefix


@pytest.fixture
def location(db) -> Location:
    return LocationFactory(name="Centro")


@pytest.fixture
def therapist(location):
    therapist = TherapistFactory()
    TherapistSettingsFactory(practitioner=therapist, booking_window_days=30, buffer_after_minutes=10)
    AvailabilityRuleFactory(practitioner=therapist, weekday=0, start_time=time(9), end_time=time(13), location=location)
    return therapist


def _ics(start: datetime) -> bytes:
    stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(hours=1)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        f"DTSTAMP:20261101T000000Z\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def _busy_tomorrow(therapist) -> None:
    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    ExternalBusyTime.objects.create(practitioner=therapist, starts_at=start, ends_at=start + timedelta(hours=2))


def _linked(therapist, url: str = GOOGLE) -> None:
    TherapistSettings.objects.filter(pk=therapist.pk).update(
        external_calendar_url=url, external_synced_at=timezone.now()
    )
    _busy_tomorrow(therapist)


def _post(client, therapist, **changes):
    """The admin's change form as the page shows it, with ``changes`` applied."""
    url, data = _change_form(client, therapist)
    return client.post(url, {**data, **changes})


def _errors(response) -> str:
    return html.unescape(response.content.decode())


# --- the admin inlines save through the service ------------------------------------------------


def test_clearing_the_calendar_address_in_admin_forgets_its_busy_times(admin_client, therapist):
    _linked(therapist)

    response = _post(admin_client, therapist, **{f"{SETTINGS}external_calendar_url": ""})

    assert response.status_code == 302
    cfg = TherapistSettings.objects.get(pk=therapist.pk)
    assert (cfg.external_calendar_url, cfg.external_synced_at) == ("", None)
    assert not ExternalBusyTime.objects.filter(practitioner=therapist).exists()


def test_a_new_address_in_admin_is_read_after_the_commit(
    admin_client, therapist, public_dns, django_capture_on_commit_callbacks
):
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    with responses.RequestsMock() as mock:
        mock.get(GOOGLE, body=_ics(start))
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(admin_client, therapist, **{f"{SETTINGS}external_calendar_url": GOOGLE})
    assert response.status_code == 302
    assert list(ExternalBusyTime.objects.filter(practitioner=therapist).values_list("starts_at", flat=True)) == [start]


@pytest.mark.parametrize("url", ["https://127.0.0.1/cal.ics", "https://localhost/cal.ics", "http://example.com/"])
def test_an_address_the_studio_may_not_read_is_refused_in_admin_with_a_form_error(admin_client, therapist, url):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        response = _post(admin_client, therapist, **{f"{SETTINGS}external_calendar_url": url})
        assert len(mock.calls) == 0
    assert response.status_code == 200
    page = _errors(response)
    assert str(UNREADABLE) in page or "starts with https://" in page
    assert TherapistSettings.objects.get(pk=therapist.pk).external_calendar_url == ""


def test_overlapping_hours_are_refused_in_admin_and_the_settings_of_the_same_save_stay_as_they_were(
    admin_client, therapist, location
):
    url, data = _change_form(admin_client, therapist)
    new = f"{HOURS}-1-"
    response = admin_client.post(
        url,
        {
            **data,
            f"{HOURS}-TOTAL_FORMS": "2",
            f"{new}weekday": "0",
            f"{new}start_time": "12:00",
            f"{new}end_time": "15:00",
            f"{new}location": str(location.pk),
            f"{new}practitioner": str(therapist.pk),
            f"{SETTINGS}buffer_after_minutes": "30",
        },
    )

    assert response.status_code == 200
    assert "Two ranges on the same day overlap: 09:00–13:00 and 12:00–15:00." in _errors(response)
    assert TherapistSettings.objects.get(pk=therapist.pk).buffer_after_minutes == 10
    assert list(AvailabilityRule.objects.filter(practitioner=therapist).values_list("start_time", "end_time")) == [
        (time(9), time(13))
    ]


def test_settings_and_hours_saved_in_admin_arrive_together(admin_client, therapist):
    response = _post(
        admin_client,
        therapist,
        **{f"{SETTINGS}buffer_after_minutes": "20", f"{HOURS}-0-end_time": "14:00"},
    )
    assert response.status_code == 302
    assert TherapistSettings.objects.get(pk=therapist.pk).buffer_after_minutes == 20
    assert list(AvailabilityRule.objects.filter(practitioner=therapist).values_list("end_time", flat=True)) == [
        time(14)
    ]


def test_a_practitioner_saved_in_admin_without_touching_the_setup_leaves_it_alone(admin_client, therapist):
    _linked(therapist)
    rule = AvailabilityRule.objects.get(practitioner=therapist)
    response = _post(admin_client, therapist, bio="Shiatsu since 2009.")
    assert response.status_code == 302
    assert AvailabilityRule.objects.get(practitioner=therapist).pk == rule.pk  # not rewritten
    assert ExternalBusyTime.objects.filter(practitioner=therapist).count() == 1


# --- the service: who may, all or nothing --------------------------------------------------------


def test_another_therapist_cannot_save_someone_elses_setup(therapist, location):
    other = TherapistFactory()
    with pytest.raises(NotPermitted):
        save_therapist_setup(
            practitioner=therapist,
            settings_data={"buffer_after_minutes": 60},
            hours=[HoursRange(1, time(8), time(20), location)],
            actor=other.user,
        )
    assert TherapistSettings.objects.get(pk=therapist.pk).buffer_after_minutes == 10
    assert AvailabilityRule.objects.filter(practitioner=therapist, weekday=1).count() == 0


@pytest.mark.parametrize(
    ("perms", "allowed"),
    [
        ((), False),
        (("schedules.view_therapistsettings", "schedules.view_availabilityrule"), False),
        (("schedules.change_therapistsettings",), False),  # hours need their own permission
        (("schedules.change_therapistsettings", "schedules.change_availabilityrule"), True),
    ],
    ids=["no-role", "view-only", "settings-only", "both"],
)
def test_staff_change_a_therapists_setup_only_with_their_roles_permissions(therapist, location, perms, allowed):
    actor = staff_with(*perms)

    def save() -> None:
        save_therapist_setup(
            practitioner=therapist,
            settings_data={"buffer_after_minutes": 60},
            hours=[HoursRange(1, time(8), time(20), location)],
            actor=actor,
        )

    if allowed:
        save()
    else:
        with pytest.raises(NotPermitted):
            save()
    assert (TherapistSettings.objects.get(pk=therapist.pk).buffer_after_minutes == 60) is allowed


def test_the_therapist_saves_their_own_setup_and_a_refusal_names_each_problem(therapist, location):
    with pytest.raises(ValidationError) as refused:
        save_therapist_setup(
            practitioner=therapist,
            settings_data={"booking_window_days": 0, "external_calendar_url": "http://example.com/cal.ics"},
            hours=[HoursRange(0, time(9), time(12), location), HoursRange(0, time(11), time(13), None)],
            actor=therapist.user,
        )
    errors = refused.value.message_dict
    assert set(errors) == {"booking_window_days", "external_calendar_url", therapist_settings.HOURS}
    assert TherapistSettings.objects.get(pk=therapist.pk).booking_window_days == 30


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_writing_the_hours_leaves_the_settings_as_they_were():
    """The hours fail in the database (their location is gone: the foreign key refuses at commit)."""
    therapist = TherapistFactory()
    TherapistSettingsFactory(practitioner=therapist, buffer_after_minutes=10)
    gone = LocationFactory()
    gone_pk = gone.pk
    gone.delete()
    ghost = Location(pk=gone_pk, name="Closed")

    with pytest.raises(IntegrityError):
        save_therapist_setup(
            practitioner=therapist,
            settings_data={"buffer_after_minutes": 45},
            hours=[HoursRange(2, time(9), time(12), ghost)],
            actor=therapist.user,
        )

    assert TherapistSettings.objects.get(pk=therapist.pk).buffer_after_minutes == 10
    assert not AvailabilityRule.objects.filter(practitioner=therapist).exists()


# --- reading writes nothing -----------------------------------------------------------------------


def _inserts(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]


def test_reading_the_settings_of_a_therapist_without_a_row_writes_nothing(db):
    bea = TherapistFactory(user=UserFactory(time_zone="America/New_York"))
    with CaptureQueriesContext(connection) as queries:
        cfg = settings_for(bea)
    assert str(cfg.zone) == "America/New_York" and cfg.booking_window_days == 60
    assert _inserts(queries.captured_queries) == []
    assert not TherapistSettings.objects.filter(practitioner=bea).exists()


@pytest.mark.parametrize("page", ["bookings:therapist_calendar", "bookings:therapist_availability"])
def test_a_therapists_pages_read_without_a_settings_row_and_write_none(client, db, page):
    bea = TherapistFactory()
    client.force_login(bea.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(page))
    assert response.status_code == 200
    assert [sql for sql in _inserts(queries.captured_queries) if "therapistsettings" in sql] == []
    assert not TherapistSettings.objects.filter(practitioner=bea).exists()


def test_settings_added_in_admin_for_a_therapist_without_a_row_are_made_through_the_service(admin_client, location):
    bea = TherapistFactory()
    url, data = _change_form(admin_client, bea)
    assert data["therapist_settings-TOTAL_FORMS"] == ["0"]
    fields = {
        "time_zone": "Europe/Lisbon",
        "approval": "request",
        "response_hours": "24",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "5",
        "min_notice_hours": "2",
        "booking_window_days": "90",
        "slot_step_minutes": "15",
        "external_calendar_url": "https://[::1]/cal.ics",
    }
    added = {"therapist_settings-TOTAL_FORMS": "1", "therapist_settings-0-practitioner": str(bea.pk)}
    added |= {f"{SETTINGS}{name}": value for name, value in fields.items()}

    refused = admin_client.post(url, {**data, **added})
    assert refused.status_code == 200 and str(UNREADABLE) in _errors(refused)
    assert not TherapistSettings.objects.filter(pk=bea.pk).exists()

    saved = admin_client.post(url, {**data, **added, f"{SETTINGS}external_calendar_url": ""})
    assert saved.status_code == 302
    cfg = TherapistSettings.objects.get(pk=bea.pk)
    assert (str(cfg.zone), cfg.approval, cfg.slot_step_minutes) == ("Europe/Lisbon", "request", 15)


def test_an_address_refused_only_at_save_shows_the_reason_and_saves_nothing(admin_client, therapist, public_dns):
    # The name is public when the form checks it and private when the service does (its DNS
    # answer changed meanwhile): the admin says why and returns to the change form, no 500.
    answers = iter([["142.250.184.174"]])
    public_dns["calendar.example.net"] = lambda: next(answers, ["10.0.0.7"])
    address = "https://calendar.example.net/cal.ics"

    response = _post(admin_client, therapist, **{f"{SETTINGS}external_calendar_url": address})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:schedules_practitioner_change", args=[therapist.pk])
    assert str(UNREADABLE) in _errors(admin_client.get(response["Location"]))
    assert TherapistSettings.objects.get(pk=therapist.pk).external_calendar_url == ""
