"""Staff screens for the timetable. Writes go through schedules.services.

One module per group of screens; importing them here registers them with the admin
site (Django's autodiscovery imports ``schedules.admin``) and keeps
``from schedules.admin import X`` working.
"""

from schedules.admin.blocked_time import BlackoutAdmin, OccupancyAdmin
from schedules.admin.catalogue import ClassTypeAdmin, TherapyDurationInline, TherapyTypeAdmin
from schedules.admin.class_schedules import ClassScheduleAdmin, SessionInline
from schedules.admin.class_sessions import (
    CancelSessionsForm,
    ClassSessionAdmin,
    ClassSessionForm,
    ConflictFilter,
    SessionDateFilter,
)
from schedules.admin.places import LocationAdmin, RoomAdmin, RoomInline
from schedules.admin.practitioners import (
    AvailabilityOverrideInline,
    AvailabilityRuleInline,
    PractitionerAdmin,
    TherapistSettingsFormSet,
    TherapistSettingsInline,
    WeeklyHoursFormSet,
)

__all__ = [
    "AvailabilityOverrideInline",
    "AvailabilityRuleInline",
    "BlackoutAdmin",
    "CancelSessionsForm",
    "ClassScheduleAdmin",
    "ClassSessionAdmin",
    "ClassSessionForm",
    "ClassTypeAdmin",
    "ConflictFilter",
    "LocationAdmin",
    "OccupancyAdmin",
    "PractitionerAdmin",
    "RoomAdmin",
    "RoomInline",
    "SessionDateFilter",
    "SessionInline",
    "TherapistSettingsFormSet",
    "TherapistSettingsInline",
    "TherapyDurationInline",
    "TherapyTypeAdmin",
    "WeeklyHoursFormSet",
]
