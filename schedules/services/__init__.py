"""Writes to the timetable: generating sessions, editing and cancelling them.

Every function here is a domain action: one transaction, the rows it touches
locked up front, occupancy rows kept in step with the sessions they mirror.
The package re-exports them, so callers write ``from schedules import services``:

- ``errors``: the domain errors; ``permissions``: who may change the timetable;
- ``occupancy``: what is in the way of a session, and its occupancy row;
- ``generation``: a schedule's sessions from its pattern, over the rolling horizon;
- ``archiving``: retiring a schedule (archive, or delete one nobody booked);
- ``sessions``: editing and cancelling one session, and underbooked ones.
"""

from schedules.services.archiving import archive_schedule, delete_schedule, in_use_message
from schedules.services.errors import NotPermitted, OccupancyConflict, ScheduleError, ScheduleInUse
from schedules.services.generation import (
    SOFT_FIELDS,
    GenerationReport,
    extend_all_schedules,
    generate_sessions,
    planned_occurrences,
)
from schedules.services.occupancy import check_session_is_free, describe_conflict
from schedules.services.permissions import CHANGE_SCHEDULE, CHANGE_SESSION, DELETE_SCHEDULE
from schedules.services.sessions import (
    CUSTOMISING_FIELDS,
    UNDERBOOKED_LOOKAHEAD,
    cancel_class_session,
    cancel_underbooked_sessions,
    save_class_session,
)

__all__ = [
    "CHANGE_SCHEDULE",
    "CHANGE_SESSION",
    "CUSTOMISING_FIELDS",
    "DELETE_SCHEDULE",
    "SOFT_FIELDS",
    "UNDERBOOKED_LOOKAHEAD",
    "GenerationReport",
    "NotPermitted",
    "OccupancyConflict",
    "ScheduleError",
    "ScheduleInUse",
    "archive_schedule",
    "cancel_class_session",
    "cancel_underbooked_sessions",
    "check_session_is_free",
    "delete_schedule",
    "describe_conflict",
    "extend_all_schedules",
    "generate_sessions",
    "in_use_message",
    "planned_occurrences",
    "save_class_session",
]
