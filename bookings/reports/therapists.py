"""Therapists: sessions, hours booked against hours offered, money paid for them, and requests answered.

Pure: it reads plain rows per therapist (and the spans of their working hours), so each
figure is tested with hand-made rows. A session counts when it kept its time to the end
(confirmed, completed or a no-show); its money is what was paid for it less what was
given back (the booking's counters).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from bookings.reports.occupancy import percent


def merged_minutes(spans: Iterable[tuple[datetime, datetime]]) -> int:
    """Minutes covered by the spans, overlaps counted once (hours at two places may overlap)."""
    total, end_so_far = timedelta(0), None
    for start, end in sorted(spans):
        if end_so_far is not None and start < end_so_far:
            if end > end_so_far:
                total += end - end_so_far
                end_so_far = end
            continue
        total += end - start
        end_so_far = end
    return int(total.total_seconds() // 60)


@dataclass
class TherapistFigures:
    name: str
    sessions: int = 0
    booked_minutes: int = 0
    offered_minutes: int = 0
    revenue: Decimal = Decimal("0.00")
    approved: int = 0
    declined: int = 0
    expired: int = 0
    answer_minutes: list[float] = field(default_factory=list)  # each answered request's wait

    @property
    def booked_hours(self) -> Decimal:
        return _hours(self.booked_minutes)

    @property
    def offered_hours(self) -> Decimal:
        return _hours(self.offered_minutes)

    @property
    def utilisation(self) -> Decimal | None:
        """Hours booked over hours offered, as a percentage (None when nothing was offered)."""
        return percent(self.booked_minutes, self.offered_minutes)

    @property
    def median_answer_hours(self) -> Decimal | None:
        if not self.answer_minutes:
            return None
        return (Decimal(str(median(self.answer_minutes))) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class TherapySessionRow:
    therapist_id: int
    minutes: int
    revenue: Decimal


@dataclass(frozen=True)
class AnswerRow:
    """A request answered in the period: approved, declined or left to expire, after ``waited``."""

    therapist_id: int
    outcome: str  # "confirmed", "declined" or "expired"
    waited: timedelta


def summarise(
    names: dict[int, str],
    *,
    sessions: Iterable[TherapySessionRow],
    offered: dict[int, int],
    answers: Iterable[AnswerRow],
) -> list[TherapistFigures]:
    """One line per therapist in ``names`` (the busiest first); ``offered``: minutes of working hours."""
    figures = {pk: TherapistFigures(name, offered_minutes=offered.get(pk, 0)) for pk, name in names.items()}
    for s in sessions:
        if (f := figures.get(s.therapist_id)) is not None:
            f.sessions += 1
            f.booked_minutes += s.minutes
            f.revenue += s.revenue
    for a in answers:
        if (f := figures.get(a.therapist_id)) is None:
            continue
        if a.outcome == "expired":
            f.expired += 1
            continue  # never answered: no answer time
        if a.outcome == "confirmed":
            f.approved += 1
        else:
            f.declined += 1
        f.answer_minutes.append(a.waited.total_seconds() / 60)
    return sorted(figures.values(), key=lambda f: (-f.booked_minutes, f.name))
