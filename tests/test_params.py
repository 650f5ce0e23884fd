"""config.params: what the pages make of a value from a request."""

import secrets
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.crypto import get_random_string

from config.params import (
    HORIZON_YEARS,
    BoundedDateField,
    BoundedDateTimeField,
    date_bounds,
    is_session_key,
    is_token,
    month_for_week,
    query_date,
    query_datetime,
    query_int,
    query_month,
    query_slug,
    query_zone,
    safe_next,
    safe_referer,
    zone_name,
)
from tests.factories import UserFactory

TODAY = date(2026, 6, 10)
EARLIEST, LATEST = date(2021, 6, 10), date(2031, 6, 10)


def test_the_bounds_are_five_years_either_side_of_today():
    assert HORIZON_YEARS == 5
    assert date_bounds(TODAY) == (EARLIEST, LATEST)
    assert date_bounds(date(2028, 2, 29)) == (date(2023, 2, 28), date(2033, 2, 28))


def test_a_day_far_out_is_moved_to_the_nearest_day_the_pages_show():
    assert query_date("9999-12-27", TODAY, today=TODAY) == LATEST
    assert query_date("9999-12-31", TODAY, today=TODAY) == LATEST
    assert query_date("0001-01-01", TODAY, today=TODAY) == EARLIEST
    assert query_date("2026-12-03", TODAY, today=TODAY) == date(2026, 12, 3)


@pytest.mark.parametrize("value", [None, "", "abc", "2026-13-45", "-1", "x" * 5000, "2026-01-05\x00", "٢٠٢٦-٠١-٠٥"])
def test_a_malformed_day_gives_the_default(value):
    assert query_date(value, TODAY) == TODAY
    assert query_date(value, None) is None


def test_a_month_is_its_first_day_clamped_or_the_defaults_month():
    assert query_month("2026-12", TODAY, today=TODAY) == date(2026, 12, 1)
    assert query_month("9999-12", TODAY, today=TODAY) == LATEST.replace(day=1)
    assert query_month("0001-01", TODAY, today=TODAY) == EARLIEST.replace(day=1)
    assert query_month("2026-13", TODAY, today=TODAY) == date(2026, 6, 1)


def test_an_instant_needs_its_offset_and_a_day_inside_the_bounds():
    assert query_datetime("2026-12-03T10:00:00+01:00", today=TODAY) == datetime(2026, 12, 3, 9, tzinfo=UTC)
    assert query_datetime("2026-12-03T10:00:00", today=TODAY) is None  # which 10:00?
    assert query_datetime("9999-12-31T23:59:59+00:00", today=TODAY) is None
    assert query_datetime("0001-01-01T00:00:00+14:00", today=TODAY) is None
    assert query_datetime("2031-06-11T00:00:00+00:00", today=TODAY) is None  # a day past the bounds
    assert query_datetime("2026-02-30T25:61", today=TODAY) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("60", 60), ("-1", 7), ("99999999999999999999", 7), ("abc", 7), ("", 7), ("٦٠", 7), ("--1", 7), ("6 0", 7)],
)
def test_a_number_is_ascii_digits_in_range_or_the_default(value, expected):
    assert query_int(value, 7, minimum=0, maximum=1000) == expected


def test_a_slug_with_a_nul_or_a_space_is_no_slug():
    assert query_slug("ana-ruiz") == "ana-ruiz"
    assert query_slug("ana\x00") == query_slug("a b") == query_slug("x" * 5000) == query_slug(None) == ""


@pytest.mark.parametrize(
    ("monday", "today", "month"),
    [
        # 30 Nov - 6 Dec: four of its days, Thursday included, are in December.
        (date(2026, 11, 30), date(2026, 10, 1), date(2026, 12, 1)),
        # 27 Apr - 3 May 2026: Thursday 30 April, so April.
        (date(2026, 4, 27), date(2026, 10, 1), date(2026, 4, 1)),
        # Today is in the week: its month, whichever side of the turn it is.
        (date(2026, 11, 30), date(2026, 11, 30), date(2026, 11, 1)),
        (date(2026, 4, 27), date(2026, 5, 2), date(2026, 5, 1)),
        # A week inside one month.
        (date(2026, 6, 8), TODAY, date(2026, 6, 1)),
    ],
)
def test_a_week_belongs_to_the_month_of_its_thursday_or_of_today(monday, today, month):
    assert month_for_week(monday, today) == month


# --- zones, tokens, session cookies -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("America%2FNew_York", "America/New_York"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("a" * 5000, None),  # ZoneInfo() raised OSError (file name too long)
        ("..%2F..%2Fetc%2Fpasswd", None),
        ("Europe/Madrid\x00", None),
        ("", None),
        (None, None),
    ],
)
def test_a_zone_is_a_tz_database_name_or_nothing(raw, name):
    assert zone_name(raw) == name
    assert query_zone(raw) == (ZoneInfo(name) if name else None)


def test_a_token_is_url_safe_base64_of_a_sane_length():
    assert is_token(secrets.token_urlsafe(32))
    assert not is_token("abc\x00") and not is_token("x" * 65) and not is_token("ü") and not is_token(None)


def test_a_session_key_is_what_django_makes():
    assert is_session_key(get_random_string(32, VALID_KEY_CHARS))  # as SessionBase makes them
    assert not is_session_key("a\x00" * 20) and not is_session_key("a" * 10_000) and not is_session_key("ABC12345")


@pytest.mark.django_db
def test_a_malformed_session_cookie_is_forgotten_and_the_visitor_logged_out(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "a\x00" * 20  # was a DataError from the session table
    response = client.get(reverse("bookings:mine"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 0  # the browser forgets it


@pytest.mark.django_db
def test_a_good_session_cookie_still_logs_in(client):
    client.force_login(UserFactory())
    assert client.get(reverse("bookings:mine")).status_code == 200


# --- form fields ----------------------------------------------------------------------------------


class _Dates(forms.Form):
    day = BoundedDateField()
    when = BoundedDateTimeField(required=False)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_bounded_date_field_refuses_a_day_beyond_the_bounds_with_a_message(day):
    form = _Dates({"day": day})
    assert not form.is_valid()
    earliest, latest = date_bounds()
    assert form.errors["day"] == [
        f"Choose a date between {formats.date_format(earliest)} and {formats.date_format(latest)}."
    ]


def test_a_bounded_date_field_takes_a_day_inside_the_bounds():
    earliest, latest = date_bounds()
    for day in (earliest, latest, timezone.localdate()):
        assert _Dates({"day": day.isoformat()}).is_valid()
    assert not _Dates({"day": (latest + timedelta(days=1)).isoformat()}).is_valid()


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_a_bounded_date_time_field_refuses_an_instant_beyond_the_bounds(when):
    form = _Dates({"day": timezone.localdate().isoformat(), "when": when})
    assert not form.is_valid() and "when" in form.errors


# --- redirect targets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http://testserver/classes/",  # this host, but not a path: pages only send paths
        "/classes/\r\nSet-Cookie: x=1",
        "/\x00",
        "classes",  # redirect() would take it for a URL name
        "",
    ],
)
def test_a_next_that_is_not_a_path_on_this_site_gives_the_default(rf, target):
    assert safe_next(rf.post("/", {"next": target}), "/bookings/") == "/bookings/"
    assert safe_next(rf.get("/", {"next": target}), "bookings:mine") == "/bookings/"


def test_a_next_on_this_site_is_kept(rf):
    assert safe_next(rf.post("/", {"next": "/classes/12/#waitlist"}), "/bookings/") == "/classes/12/#waitlist"
    assert safe_next(rf.get("/", {"next": "/classes/?week=2026-06-08"}), "/") == "/classes/?week=2026-06-08"
    secure = rf.post("/", {"next": "/classes/"}, secure=True)
    assert safe_next(secure, "/") == "/classes/"


@pytest.mark.parametrize(
    "referer",
    ["https://evil.example/classes/", "//evil.example/", "http://testserver.evil.example/", "javascript:alert(1)", ""],
)
def test_a_referer_off_the_site_gives_the_default(rf, referer):
    assert safe_referer(rf.get("/", HTTP_REFERER=referer), "bookings:mine") == "/bookings/"


def test_a_referer_on_this_site_gives_its_path_and_query(rf):
    request = rf.get("/", HTTP_REFERER="http://testserver/classes/12/?week=2026-06-08")
    assert safe_referer(request, "/") == "/classes/12/?week=2026-06-08"
