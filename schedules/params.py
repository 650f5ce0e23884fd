"""Dates and numbers read from a page's query string: one parser for every view.

Anyone can type any URL, so a value from ``request.GET`` is never trusted: a
malformed one falls back to the page's default, and a well-formed date far in the
past or future is moved to the nearest day the pages can show (a week or a month
either side of it must still be a date: ``9999-12-27`` plus a week is not).
Both schedules and bookings import this module (bookings sits above schedules).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)
_MAX_LENGTH = 40  # no date, month, instant or count of ours is longer
_SLUG = re.compile(r"[-\w]+")
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")  # ASCII only: int() also takes other scripts' digits


def month_for_week(monday: date, today: date) -> date:
    """The month a week belongs to, as its first day: today's when today is in it.

    Otherwise the month of its Thursday, as ISO 8601 does: the month holding four or
    more of its seven days, so 30 Nov - 6 Dec belongs to December.
    """
    if monday <= today <= monday + timedelta(days=6):
        return today.replace(day=1)
    return (monday + timedelta(days=3)).replace(day=1)


def clamp_day(day: date) -> date:
    """The nearest day inside [EARLIEST, LATEST]."""
    return min(max(day, EARLIEST), LATEST)


def _text(value: object) -> str | None:
    if not isinstance(value, str) or not value or len(value) > _MAX_LENGTH:
        return None
    return value


def query_date(value: object, default: date | None) -> date | None:
    """A ``YYYY-MM-DD`` day, clamped to the range the pages show; else ``default``."""
    text = _text(value)
    if text is None:
        return default
    try:
        return clamp_day(date.fromisoformat(text))
    except ValueError:
        return default


def query_month(value: object, default: date) -> date:
    """The first day of a ``YYYY-MM`` month, clamped; else the month of ``default``."""
    text = _text(value)
    try:
        month = datetime.strptime(text, "%Y-%m").date() if text else default
    except ValueError:
        month = default
    return clamp_day(month).replace(day=1)


def query_datetime(value: object) -> datetime | None:
    """An ISO instant with its UTC offset, inside the range the pages show; else None.

    No clamping here: an instant is a choice the client made on a page (a slot), and
    a different one would book a time they did not choose.
    """
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    # Compare as days either side of the range, so the offset cannot overflow.
    if not EARLIEST + timedelta(days=1) <= parsed.date() <= LATEST - timedelta(days=1):
        return None
    return parsed


def query_slug(value: object) -> str:
    """A slug-like word (letters, digits, ``-`` and ``_``), else ``""``.

    PostgreSQL refuses a NUL character in a query parameter, so free text from the
    query string never reaches a lookup unchecked.
    """
    text = _text(value)
    return text if text and _SLUG.fullmatch(text) else ""


def query_int(value: object, default: int | None, *, minimum: int = 0, maximum: int = 10**6) -> int | None:
    """A whole number in [minimum, maximum]; else ``default``."""
    text = _text(value)
    if text is None or not _WHOLE_NUMBER.fullmatch(text):
        return default
    number = int(text)
    return number if minimum <= number <= maximum else default
