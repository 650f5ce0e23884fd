"""config.params: what the pages make of a value from a request."""

from datetime import UTC, date, datetime

import pytest

from config.params import (
    HORIZON_YEARS,
    date_bounds,
    month_for_week,
    query_date,
    query_datetime,
    query_int,
    query_month,
    query_slug,
)

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
