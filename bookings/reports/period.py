"""A report's period and place: local dates at the studio, and an optional location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from schedules.selectors import local_midnight

MAX_DAYS = 3 * 366  # three years: a longer range is a different question (and a slow one)


@dataclass(frozen=True)
class Period:
    first: date  # inclusive, local
    last: date  # inclusive, local
    zone: ZoneInfo
    location_id: int | None = None

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def last_month(today: date) -> tuple[date, date]:
    """The calendar month before ``today``'s: what an owner reads on the first Monday."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last
