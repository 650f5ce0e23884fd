"""Counters other apps keep on bookings, checked by ``manage.py check_integrity``.

The command recomputes class sessions' spot counters itself; an app that keeps its own
counters (payments: a booking's paid, refunded and owed amounts) registers a check at
app-ready time, so bookings never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class Drift(Protocol):
    def describe(self) -> str:
        """One line for the report: which row, what the counter says, what the rows hold."""
        ...


@dataclass(frozen=True)
class IntegrityCheck:
    label: str  # "booking money counter": the report says "2 booking money counter(s) drifted…"
    source: str  # "payments and refunds": what the counters are recomputed from
    find: Callable[[], Sequence[Drift]]
    repair: Callable[[Sequence[Drift]], None]


_checks: dict[str, IntegrityCheck] = {}


def register_integrity_check(check: IntegrityCheck) -> None:
    """Add a check (by label: registering twice replaces it)."""
    _checks[check.label] = check


def integrity_checks() -> list[IntegrityCheck]:
    return list(_checks.values())
