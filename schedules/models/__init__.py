"""The schedules tables, one module per subject: places, catalogue, timetable, blocked time, therapy."""

from schedules.models.blocked_time import Blackout, BlackoutKind, BlackoutScope, Occupancy, OccupancyKind
from schedules.models.catalogue import ClassType, Level, PaymentMode
from schedules.models.places import Location, Practitioner, Room, RoomManager
from schedules.models.prices import TaxRate
from schedules.models.therapy import (
    ApprovalMode,
    AvailabilityOverride,
    AvailabilityRule,
    ExternalBusyTime,
    OverrideKind,
    TherapistSettings,
    TherapyDuration,
    TherapyType,
    Weekday,
)
from schedules.models.timetable import (
    ClassSchedule,
    ClassSession,
    ClassSessionQuerySet,
    SessionSpots,
    SessionStatus,
)

__all__ = [
    "ApprovalMode",
    "AvailabilityOverride",
    "AvailabilityRule",
    "Blackout",
    "BlackoutKind",
    "BlackoutScope",
    "ClassSchedule",
    "ClassSession",
    "ClassSessionQuerySet",
    "ClassType",
    "ExternalBusyTime",
    "Level",
    "Location",
    "Occupancy",
    "OccupancyKind",
    "OverrideKind",
    "PaymentMode",
    "Practitioner",
    "Room",
    "RoomManager",
    "SessionSpots",
    "SessionStatus",
    "TaxRate",
    "TherapistSettings",
    "TherapyDuration",
    "TherapyType",
    "Weekday",
]
