"""Occupancy: how full the classes were, grouped five ways, and the weekday-by-hour heat map.

Pure: it sums rows the queries produced (one per class session), so every figure here is
tested with hand-made rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class SessionRow:
    """One class session that took place (not cancelled) in the period."""

    starts_at: datetime  # local wall time at the studio
    class_type: str
    instructor: str
    location: str
    capacity: int
    booked: int  # spots of bookings that held a place: active, attended or no-show
    attended: int  # spots of bookings checked in or completed
    minimum: int | None


@dataclass
class Group:
    label: str
    sessions: int = 0
    capacity: int = 0
    booked: int = 0
    attended: int = 0
    below_minimum: int = 0

    def add(self, row: SessionRow) -> None:
        self.sessions += 1
        self.capacity += row.capacity
        self.booked += row.booked
        self.attended += row.attended
        self.below_minimum += int(row.minimum is not None and row.booked < row.minimum)

    @property
    def fill_rate(self) -> Decimal | None:
        """Booked spots over offered spots, as a percentage with one decimal."""
        return percent(self.booked, self.capacity)

    @property
    def average_attendance(self) -> Decimal | None:
        return (
            None
            if not self.sessions
            else (Decimal(self.attended) / self.sessions).quantize(Decimal("0.1"), ROUND_HALF_UP)
        )


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


WEEKDAYS = range(7)  # Monday first


@dataclass
class Occupancy:
    total: Group
    by: dict[str, list[Group]]  # "class_type", "instructor", "weekday", "hour", "location"
    heat: dict[tuple[int, int], Group] = field(default_factory=dict)  # (weekday, hour) -> group

    @property
    def hours(self) -> list[int]:
        """The hours of the day any class started, for the heat map's columns."""
        return sorted({hour for _, hour in self.heat})

    def heat_cell(self, weekday: int, hour: int) -> Group | None:
        return self.heat.get((weekday, hour))


def summarise(rows: Iterable[SessionRow], *, weekday_names: list[str]) -> Occupancy:
    keys: dict[str, Callable[[SessionRow], str]] = {
        "class_type": lambda r: r.class_type,
        "instructor": lambda r: r.instructor,
        "weekday": lambda r: weekday_names[r.starts_at.weekday()],
        "hour": lambda r: f"{r.starts_at.hour:02d}:00",
        "location": lambda r: r.location,
    }
    total = Group("")
    groups: dict[str, dict[str, Group]] = {name: {} for name in keys}
    heat: dict[tuple[int, int], Group] = defaultdict(lambda: Group(""))
    for row in rows:
        total.add(row)
        for name, key in keys.items():
            label = key(row)
            groups[name].setdefault(label, Group(label)).add(row)
        heat[(row.starts_at.weekday(), row.starts_at.hour)].add(row)
    by = {}
    for name in keys:
        if name == "weekday":
            by[name] = sorted(groups[name].values(), key=lambda g: weekday_names.index(g.label))
        elif name == "hour":
            by[name] = sorted(groups[name].values(), key=lambda g: g.label)
        else:  # the busiest first: what the owner looks for
            by[name] = sorted(groups[name].values(), key=lambda g: (-g.booked, g.label))
    return Occupancy(total=total, by=by, heat=dict(heat))
