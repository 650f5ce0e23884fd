"""The cache of the public timetable: a version token, and the rendered week grids.

Every cached grid is keyed by the current *timetable version*, a token kept in the
cache itself (Redis in production, so every process sees the same one). Anything
that changes what the timetable shows bumps it, and every grid cached before is no
longer looked up (it expires on its own timeout):

- saves and deletes of ClassSession, ClassType, Location, Room and Practitioner,
  through the signal receivers connected in ``SchedulesConfig.ready()``;
- writes that send no signal, such as ``QuerySet.update()`` of
  ``ClassSession.spots_taken`` in ``bookings.services``, which must call
  ``bump_timetable_version()`` themselves.

``VersionToken`` is the mechanism; other apps' caches (bookings.policy_cache) use it too.
"""

from __future__ import annotations

import math
import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

from schedules.selectors import TimetableDay, TimetableFilters

VERSION_KEY = "schedules:timetable:version"
# A cached grid lives at most this long, whatever else happens: a safety net for a
# write that forgets to bump the version (a manual database edit).
GRID_MAX_TIMEOUT = 600


class VersionToken:
    """A random token in the cache naming the current generation of some cached data.

    Entries are cached under the token; renewing it leaves them all behind at once
    (they expire on their own timeouts). Random rather than a counter: if the cache
    loses it (eviction, a flush), a fresh token cannot match a key cached before.
    """

    def __init__(self, key: str) -> None:
        self.key = key

    def current(self) -> str:
        """The current token (a new one if the cache has none)."""
        token = cache.get(self.key)
        if token is None:
            token = secrets.token_hex(8)
            if not cache.add(self.key, token, timeout=None):
                token = cache.get(self.key, token)  # another process set one first
        return token

    def _set_new(self) -> None:
        cache.set(self.key, secrets.token_hex(8), timeout=None)

    def renew(self) -> None:
        """Leave every entry cached so far behind. Call after any write to the data.

        Inside a transaction it renews twice: at once, and again when the transaction
        commits. A reader between the two may have read the rows as they were before
        the commit and cached them under the first new token; the second renewal
        leaves that entry behind. (The first is what makes a change visible to later
        reads in the same transaction, and in tests, which never commit.)
        """
        self._set_new()
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(self._set_new, robust=True)


TIMETABLE_VERSION = VersionToken(VERSION_KEY)


def timetable_version() -> str:
    """The current timetable version token."""
    return TIMETABLE_VERSION.current()


def bump_timetable_version() -> None:
    """Make every cached week grid stale. Call after any write to what the timetable shows."""
    TIMETABLE_VERSION.renew()


def bump_on_change(sender, **kwargs) -> None:
    """Receiver for post_save/post_delete of the models the timetable shows."""
    bump_timetable_version()


def grid_key(
    *,
    version: str,
    week_start: date,
    today: date,
    zone: ZoneInfo,
    language: str,
    filters: TimetableFilters,
) -> str:
    """Everything the grid's HTML depends on, apart from the clock (see ``grid_timeout``).

    ``today`` is the viewer's local date (its heading is highlighted). Filters are the
    validated ones, so made-up values in the query string cannot fill the cache.
    """
    f = filters
    return (
        f"schedules:timetable:grid:{version}:{week_start.isoformat()}:{today.isoformat()}:{zone.key}:{language}:"
        f"{f.location_id or ''}:{f.class_type_id or ''}:{f.instructor_id or ''}:{f.level or ''}"
    )


def grid_timeout(days: list[TimetableDay], now: datetime) -> int:
    """Seconds until the grid rendered at ``now`` must go: when its next session ends.

    A session that has ended shows a "Past" badge, so the grid may not outlive the
    next end time among the sessions it shows; otherwise at most GRID_MAX_TIMEOUT.
    """
    next_end = min((s.ends_at for day in days for s in day.sessions if s.ends_at > now), default=None)
    if next_end is None:
        return GRID_MAX_TIMEOUT
    return max(1, min(GRID_MAX_TIMEOUT, math.ceil((next_end - now).total_seconds())))


def get_grid(key: str) -> SafeString | None:
    html = cache.get(key)
    return None if html is None else mark_safe(html)  # cached by set_grid: HTML we rendered


def set_grid(key: str, html: str, timeout: int) -> None:
    cache.set(key, str(html), timeout=timeout)
