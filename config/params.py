"""Values from requests: query strings, form fields, cookies and redirect targets, read in one place.

Anyone can type any URL, post any form and send any cookie, so nothing here trusts a
value. A malformed one falls back to the page's default (or is a form error with a
message); a date is kept within ``HORIZON_YEARS`` of today, so the date arithmetic the
pages do on it (a week on, a month back, a zone's offset, the end of a day) always stays
inside what Python and PostgreSQL can hold; a redirect target is a path on this site or
nothing. Every app may import this module; it imports nothing of ours.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import overload
from urllib.parse import unquote, urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# How far from today a date from a request may be: pages move a farther day to this
# edge, forms refuse it. Wide enough for any booking, history or time off a studio
# keeps; narrow enough that nothing computed from it overflows.
HORIZON_YEARS = 5
MAX_LENGTH = 40  # no date, month, instant, count or slug of ours is longer
MAX_TOKEN_LENGTH = 64  # a calendar feed token (secrets.token_urlsafe(32): 43 characters)
MAX_ZONE_LENGTH = 64  # the longest IANA name is 32 characters
MAX_NEXT_LENGTH = 2000

_SLUG = re.compile(r"[-\w]+")
_TOKEN = re.compile(r"[-A-Za-z0-9_]+")  # secrets.token_urlsafe's alphabet
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")  # ASCII only: int() also takes other scripts' digits
_SESSION_KEY = re.compile(r"[a-z0-9]{8,64}")  # Django makes 32 of [a-z0-9]


# --- dates ------------------------------------------------------------------------------------


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def date_bounds(today: date | None = None) -> tuple[date, date]:
    """The first and last day a request may name: ``HORIZON_YEARS`` either side of today."""
    today = today or timezone.localdate()
    return _years_from(today, -HORIZON_YEARS), _years_from(today, HORIZON_YEARS)


def clamp_day(day: date, today: date | None = None) -> date:
    """The nearest day inside ``date_bounds``."""
    earliest, latest = date_bounds(today)
    return min(max(day, earliest), latest)


def _text(value: object, max_length: int = MAX_LENGTH) -> str | None:
    if not isinstance(value, str) or not value or len(value) > max_length:
        return None
    return value


@overload
def query_date(value: object, default: date, *, today: date | None = None) -> date: ...
@overload
def query_date(value: object, default: None, *, today: date | None = None) -> date | None: ...
def query_date(value: object, default: date | None, *, today: date | None = None) -> date | None:
    """A ``YYYY-MM-DD`` day, moved inside the bounds; else ``default``."""
    text = _text(value)
    if text is None:
        return default
    try:
        return clamp_day(date.fromisoformat(text), today)
    except ValueError:
        return default


def query_month(value: object, default: date, *, today: date | None = None) -> date:
    """The first day of a ``YYYY-MM`` month, moved inside the bounds; else the month of ``default``."""
    text = _text(value)
    try:
        month = datetime.strptime(text, "%Y-%m").date() if text else default
    except ValueError:
        month = default
    return clamp_day(month, today).replace(day=1)


def query_datetime(value: object, *, today: date | None = None) -> datetime | None:
    """An ISO instant with its UTC offset, inside the bounds; else None.

    Not moved to the edge like a day: an instant is a choice the client made on a page
    (a slot), and a different one would book a time they did not choose.
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
    return parsed if in_bounds(parsed, today) else None


def in_bounds(value: date | datetime, today: date | None = None) -> bool:
    """Whether a day (or an instant's day, as written) lies inside ``date_bounds``."""
    day = value.date() if isinstance(value, datetime) else value
    earliest, latest = date_bounds(today)
    return earliest <= day <= latest


def month_for_week(monday: date, today: date) -> date:
    """The month a ``week`` parameter belongs to, as its first day: today's when today is in it.

    Otherwise the month of its Thursday, as ISO 8601 does: the month holding four or
    more of its seven days, so 30 Nov - 6 Dec belongs to December.
    """
    if monday <= today <= monday + timedelta(days=6):
        return today.replace(day=1)
    return (monday + timedelta(days=3)).replace(day=1)


# --- numbers and words ------------------------------------------------------------------------


def query_int(value: object, default: int | None, *, minimum: int = 0, maximum: int = 10**6) -> int | None:
    """A whole number in [minimum, maximum]; else ``default``."""
    text = _text(value)
    if text is None or not _WHOLE_NUMBER.fullmatch(text):
        return default
    number = int(text)
    return number if minimum <= number <= maximum else default


def query_slug(value: object) -> str:
    """A slug-like word (letters, digits, ``-`` and ``_``), else ``""``.

    PostgreSQL refuses a NUL character in a query parameter, so free text from a
    request never reaches a lookup unchecked.
    """
    text = _text(value)
    return text if text and _SLUG.fullmatch(text) else ""


def is_token(value: object) -> bool:
    """Whether ``value`` could be a secret token of ours (a feed token): URL-safe base64, not too long."""
    text = _text(value, MAX_TOKEN_LENGTH)
    return bool(text and _TOKEN.fullmatch(text))


# --- time zones -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    # Read once per process: the IANA names this machine's tz database knows.
    return frozenset(zoneinfo.available_timezones())


def zone_name(raw: object) -> str | None:
    """An IANA zone name from a request (the ``shala_tz`` cookie), or None for anything else.

    static/js/shala.js writes the cookie with encodeURIComponent ("America%2FNew_York"),
    so it is decoded first. Only names from the tz database are taken: ZoneInfo() itself
    reads any path under the zoneinfo folder and fails with OSError on a long value.
    """
    text = _text(raw, MAX_ZONE_LENGTH * 3)  # room for the %2F of each slash
    if text is None:
        return None
    name = unquote(text)
    return name if name in _known_zones() else None


def query_zone(raw: object) -> zoneinfo.ZoneInfo | None:
    """The zone named by ``raw`` (see ``zone_name``), or None."""
    name = zone_name(raw)
    return zoneinfo.ZoneInfo(name) if name else None


# --- cookies ----------------------------------------------------------------------------------


def is_session_key(value: object) -> bool:
    """Whether a session cookie could name a session of ours: Django's keys are 32 of [a-z0-9].

    Anything else (a NUL, 10 kB) would only reach the session table to find nothing,
    and PostgreSQL answers a NUL with an error instead of "not found".
    """
    return isinstance(value, str) and bool(_SESSION_KEY.fullmatch(value))


class MalformedCookiesMiddleware:
    """Forget a session cookie that cannot be one of ours, before SessionMiddleware reads it.

    The visitor is then simply logged out, as with an expired session. The other cookies
    are read by the code that uses them: the CSRF and language cookies by Django (which
    checks them), the zone cookie through ``zone_name``, messages by their signature.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = settings.SESSION_COOKIE_NAME
        # Only a store looked up by key; the signed-cookie engine keeps the whole session in it.
        keyed = settings.SESSION_ENGINE != "django.contrib.sessions.backends.signed_cookies"
        malformed = keyed and name in request.COOKIES and not is_session_key(request.COOKIES[name])
        if malformed:
            del request.COOKIES[name]
        response = self.get_response(request)
        if malformed and name not in response.cookies:  # the browser forgets it too (unless a log-in set one)
            response.delete_cookie(
                name,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        return response


# --- redirect targets -------------------------------------------------------------------------


def safe_next(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """Where to go after an action: the request's ``next`` when it is a path on this site, else ``default``.

    ``next`` comes from the form (POST) or the query string. An address on another
    host (``https://evil.example/``, ``//evil.example/``, ``/\\evil.example``), another
    scheme (``javascript:``), or a path with control characters is refused, so a link
    to our site cannot send a visitor elsewhere. ``default`` is a URL or a URL name.
    """
    target = request.POST.get(field) or request.GET.get(field) or ""
    if _local_path(target, request):
        return target
    return resolve_url(default)


def safe_referer(request: HttpRequest, default: str) -> str:
    """The page the visitor came from, as a path on this site, else ``default``.

    For a "go back" link (the busy page): the ``Referer`` header is the client's to
    write, so it is kept only when it names this host, and then only its path and query.
    """
    parts = urlsplit(request.headers.get("Referer", ""))
    if parts.netloc and parts.netloc != request.get_host():
        return resolve_url(default)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target if _local_path(target, request) else resolve_url(default)


def _local_path(target: str, request: HttpRequest) -> bool:
    if not target or len(target) > MAX_NEXT_LENGTH or not target.startswith("/"):
        return False
    if any(unicodedata.category(ch)[0] == "C" for ch in target):
        return False  # NUL, CR/LF (a header injection), other control characters
    return url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


# --- form fields ------------------------------------------------------------------------------


def validate_in_bounds(value: date | datetime | None) -> None:
    """A form validator: the day lies within ``HORIZON_YEARS`` of today."""
    if value is None or in_bounds(value):
        return
    earliest, latest = date_bounds()
    raise ValidationError(
        _("Choose a date between %(earliest)s and %(latest)s."),
        code="out_of_bounds",
        params={"earliest": formats.date_format(earliest), "latest": formats.date_format(latest)},
    )


class BoundedDateField(forms.DateField):
    """A date field that refuses days outside ``date_bounds`` with a message."""

    default_validators = [validate_in_bounds]


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time field that refuses instants outside ``date_bounds`` with a message."""

    default_validators = [validate_in_bounds]
