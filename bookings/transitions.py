"""The booking lifecycle: one transition table for every kind of booking. Pure.

requested -> confirmed | declined | expired     (therapist approval)
pending   -> confirmed | expired                (a hold, e.g. awaiting payment)
confirmed -> completed | no_show
requested | pending | confirmed -> cancelled
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    REQUESTED = "requested"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.REQUESTED: frozenset({Status.CONFIRMED, Status.DECLINED, Status.EXPIRED, Status.CANCELLED}),
    Status.PENDING: frozenset({Status.CONFIRMED, Status.EXPIRED, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED}),
    Status.DECLINED: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.COMPLETED: frozenset(),
    Status.NO_SHOW: frozenset(),
}

# Statuses that hold spots (a class) or time (a therapist).
ACTIVE = frozenset({Status.REQUESTED, Status.PENDING, Status.CONFIRMED})
ACTIVE_VALUES: list[str] = sorted(s.value for s in ACTIVE)  # stable order for queries and migrations
# Statuses that count as having been booked at all (for limits and "past" lists).
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


class IllegalTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        self.current, self.target = Status(current), Status(target)
        super().__init__(f"A {self.current.value} booking cannot become {self.target.value}.")


def can_transition(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def check_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
