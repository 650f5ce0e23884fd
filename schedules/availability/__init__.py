"""Free-slot computation for therapists. Pure: plain data in, slots out, no ORM.

The selectors load a therapist's rules, overrides, occupied time and blackouts once
(a fixed number of queries however many therapists or bookings there are) and hand
them over as the dataclasses of ``values``; ``engine`` decides which start times a client
may pick.

How a day's bookable time is built, in the therapist's own zone:

    open  = (weekly hours - time off) + extra hours      (extra hours win over time off)
    open -= closures (studio/location/therapist blackouts)
    slot  = a start on the step grid (counted from local midnight) whose session lies
            inside open time, whose span *with buffers* touches no busy time, with a
            room free for that span when the therapy needs one, not before
            now + notice, not after now + booking window, and on a day/week whose
            limit of sessions is not reached yet.

Busy time is what Occupancy holds: appointments (already stored with their own
buffers) and classes the therapist teaches. Wall times become UTC with
``recurrence.wall_time_to_utc``, so working hours keep their wall-clock meaning
across daylight-saving changes (a gap moves a time forward, a repeated hour takes
its first occurrence).

Two modules, re-exported here: ``values`` (the dataclasses and the busy-time
indexes) and ``engine`` (open time and the slot generator).
"""

from schedules.availability.engine import ONLINE, free_slots, offered_time, open_time, slot_is_free
from schedules.availability.values import (
    EPOCH,
    BusyIndex,
    Closure,
    ExtraHours,
    Interval,
    RoomCalendar,
    RoomsIndex,
    Slot,
    TherapistCalendar,
    Venue,
    WeeklyHours,
    from_us,
    to_us,
)

__all__ = [
    "EPOCH",
    "ONLINE",
    "BusyIndex",
    "Closure",
    "ExtraHours",
    "Interval",
    "RoomCalendar",
    "RoomsIndex",
    "Slot",
    "TherapistCalendar",
    "Venue",
    "WeeklyHours",
    "free_slots",
    "from_us",
    "offered_time",
    "open_time",
    "slot_is_free",
    "to_us",
]
