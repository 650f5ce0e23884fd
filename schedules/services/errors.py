"""The timetable's domain errors: each message is fit to show staff."""

from __future__ import annotations


class ScheduleError(Exception):
    """A timetable change that cannot be made; the message is fit to show staff."""


class OccupancyConflict(ScheduleError):
    pass


class NotPermitted(ScheduleError):
    """The actor's role does not allow this change (the admin hides the action too)."""


class ScheduleInUse(ScheduleError):
    """A schedule whose sessions hold bookings cannot be deleted: archive it instead."""
