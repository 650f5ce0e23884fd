"""Clients: new and returning, retention of first-timers, cancellation and no-show rates.

Pure: it reads plain rows (one per booking) so each rate is tested with hand-made rows.
A "visit" is a booking that kept its place to the end (confirmed, attended or no-show);
cancelled, declined and expired bookings are not visits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bookings.reports.occupancy import percent

RETENTION_DAYS = (30, 60, 90)


@dataclass(frozen=True)
class BookingRow:
    client_id: int
    starts_at: datetime
    status: str
    cancelled_at: datetime | None
    free_cancel_hours: Decimal | None  # the policy's full-refund window (None: no policy)

    @property
    def late_cancel(self) -> bool:
        """Cancelled inside the window where the policy no longer refunds in full."""
        if self.status != "cancelled" or self.cancelled_at is None or self.free_cancel_hours is None:
            return False
        return self.cancelled_at > self.starts_at - timedelta(hours=float(self.free_cancel_hours))


VISIT = frozenset({"confirmed", "completed", "no_show"})


@dataclass(frozen=True)
class Retention:
    days: int
    first_timers: int
    came_back: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.came_back, self.first_timers)


@dataclass(frozen=True)
class ClientFigures:
    clients: int  # with a visit in the period
    new: int  # their first visit ever was in the period
    returning: int
    bookings: int
    cancelled: int
    late_cancelled: int
    no_shows: int
    closed: int  # attended or no-show: the base of the no-show rate
    retention: list[Retention]

    @property
    def cancel_rate(self) -> Decimal | None:
        return percent(self.cancelled, self.bookings)

    @property
    def late_cancel_rate(self) -> Decimal | None:
        return percent(self.late_cancelled, self.bookings)

    @property
    def no_show_rate(self) -> Decimal | None:
        return percent(self.no_shows, self.closed)


def summarise(
    in_period: Iterable[BookingRow],
    *,
    first_visit: dict[int, datetime],
    later_visits: dict[int, list[datetime]],
    period_start: datetime,
    period_end: datetime,
) -> ClientFigures:
    """``first_visit``: each client's first visit ever; ``later_visits``: first-timers' visits after it."""
    rows = list(in_period)
    visitors = {r.client_id for r in rows if r.status in VISIT}
    new = {c for c in visitors if period_start <= first_visit[c] < period_end}
    retention = []
    for days in RETENTION_DAYS:
        came_back = sum(
            1
            for c in new
            if any(first_visit[c] < t <= first_visit[c] + timedelta(days=days) for t in later_visits.get(c, ()))
        )
        retention.append(Retention(days, len(new), came_back))
    return ClientFigures(
        clients=len(visitors),
        new=len(new),
        returning=len(visitors - new),
        bookings=len(rows),
        cancelled=sum(r.status == "cancelled" for r in rows),
        late_cancelled=sum(r.late_cancel for r in rows),
        no_shows=sum(r.status == "no_show" for r in rows),
        closed=sum(r.status in ("completed", "no_show") for r in rows),
        retention=retention,
    )
