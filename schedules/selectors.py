"""Reads of the timetable shared by pages, admin and tasks. No writes here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from schedules.models import (
    Blackout,
    BlackoutScope,
    ClassSession,
    ClassType,
    Occupancy,
    Practitioner,
    SessionSpots,
    SessionStatus,
    TherapyType,
)


@dataclass(slots=True)
class TimetableSession(SessionSpots):
    """What a timetable card shows of a class session: one row, no model instances.

    Building 150 of these from tuples costs a fraction of 150 ClassSession
    instances with their four related instances each.
    """

    pk: int
    starts_at: datetime
    ends_at: datetime
    title: str  # of the class type
    level: str  # of the class type, a Level value
    instructor_name: str
    room_name: str | None
    location_name: str
    capacity: int
    spots_taken: int
    status: str
    is_online: bool


# TimetableSession's fields, in order.
_TIMETABLE_COLUMNS = (
    "pk",
    "starts_at",
    "ends_at",
    "class_type__title",
    "class_type__level",
    "instructor__public_name",
    "room__name",
    "location__name",
    "capacity",
    "spots_taken",
    "status",
    "is_online",
)


@dataclass
class TimetableDay:
    day: date
    sessions: list[TimetableSession] = field(default_factory=list)


@dataclass
class TimetableFilters:
    location_id: int | None = None
    class_type_id: int | None = None
    instructor_id: int | None = None
    level: str | None = None


def week_start_of(day: date) -> date:
    """Monday of the week holding ``day``."""
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def timetable_week(*, week_start: date, zone: ZoneInfo, filters: TimetableFilters) -> list[TimetableDay]:
    """The week's sessions, grouped by the viewer's local day, in one query.

    The range is on the indexed ``starts_at`` column, so the cost depends on the
    week shown, not on how much history the table holds. Only the columns a card
    shows are read, as TimetableSession rows.
    """
    start, end = local_midnight(week_start, zone), local_midnight(week_start + timedelta(days=7), zone)
    sessions = ClassSession.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if filters.location_id:
        sessions = sessions.filter(location_id=filters.location_id)
    if filters.class_type_id:
        sessions = sessions.filter(class_type_id=filters.class_type_id)
    if filters.instructor_id:
        sessions = sessions.filter(instructor_id=filters.instructor_id)
    if filters.level:
        sessions = sessions.filter(class_type__level=filters.level)
    days = [TimetableDay(day=week_start + timedelta(days=i)) for i in range(7)]
    for row in sessions.order_by("starts_at", "pk").values_list(*_TIMETABLE_COLUMNS):
        session = TimetableSession(*row)
        local_day = session.starts_at.astimezone(zone).date()
        days[(local_day - week_start).days].sessions.append(session)
    return days


def session_detail(*, session_id: int) -> ClassSession:
    return ClassSession.objects.for_listing().select_related("schedule").get(pk=session_id)


def upcoming_sessions_of_type(*, session: ClassSession, limit: int = 6) -> list[ClassSession]:
    return list(
        ClassSession.objects.for_listing()
        .scheduled()
        .upcoming()
        .filter(class_type_id=session.class_type_id)
        .exclude(pk=session.pk)
        .order_by("starts_at")[:limit]
    )


def public_practitioners(*, role: str | None = None) -> QuerySet[Practitioner]:
    qs = Practitioner.objects.filter(is_active=True).filter(Q(is_instructor=True) | Q(is_therapist=True))
    if role == "instructor":
        qs = qs.filter(is_instructor=True)
    elif role == "therapist":
        qs = qs.filter(is_therapist=True)
    return qs.order_by("public_name")


def practitioner_profile(*, slug: str) -> Practitioner:
    return Practitioner.objects.filter(is_active=True).get(slug=slug)


def practitioner_upcoming_classes(*, practitioner: Practitioner, limit: int = 10) -> list[ClassSession]:
    return list(
        ClassSession.objects.for_listing()
        .scheduled()
        .upcoming()
        .filter(instructor=practitioner)
        .order_by("starts_at")[:limit]
    )


def practitioner_class_types(*, practitioner: Practitioner) -> list[ClassType]:
    """Class types this practitioner teaches on an active schedule, with where."""
    return list(
        ClassType.objects.filter(is_active=True, schedules__instructor=practitioner, schedules__is_active=True)
        .distinct()
        .order_by("title")
    )


def occupancy_conflicts(
    *,
    practitioner_id: int | None,
    room_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    exclude_session_id: int | None = None,
) -> list[Occupancy]:
    """Occupied time that would overlap this span for the same practitioner or room."""
    who = Q()
    if practitioner_id:
        who |= Q(practitioner_id=practitioner_id)
    if room_id:
        who |= Q(room_id=room_id)
    if not who:
        return []
    qs = Occupancy.objects.filter(who, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude_session_id:
        qs = qs.exclude(class_session_id=exclude_session_id)
    return list(qs.select_related("class_session__class_type", "practitioner", "room__location"))


def blackouts_overlapping(*, starts_at: datetime, ends_at: datetime) -> list[Blackout]:
    return list(Blackout.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at))


def blackout_applies(blackout: Blackout, *, location_id: int, room_id: int | None, practitioner_id: int) -> bool:
    """Whether a blackout covers a session held at this place by this person."""
    match blackout.scope:
        case BlackoutScope.STUDIO:
            return True
        case BlackoutScope.LOCATION:
            return blackout.location_id == location_id
        case BlackoutScope.ROOM:
            return room_id is not None and blackout.room_id == room_id
        case BlackoutScope.PRACTITIONER:
            return blackout.practitioner_id == practitioner_id
    return False


def sessions_in_blackout(*, blackout: Blackout) -> QuerySet[ClassSession]:
    """Scheduled sessions that fall inside a blackout: staff review and cancel these."""
    qs = ClassSession.objects.for_listing().filter(
        status=SessionStatus.SCHEDULED,
        starts_at__lt=blackout.ends_at,
        ends_at__gt=blackout.starts_at,
    )
    match blackout.scope:
        case BlackoutScope.LOCATION:
            qs = qs.filter(location_id=blackout.location_id)
        case BlackoutScope.ROOM:
            qs = qs.filter(room_id=blackout.room_id)
        case BlackoutScope.PRACTITIONER:
            qs = qs.filter(instructor_id=blackout.practitioner_id)
    return qs.order_by("starts_at")


def practitioner_therapy_types(*, practitioner: Practitioner) -> list[TherapyType]:
    """The active therapies a therapist offers, with their lengths (two queries)."""
    if not practitioner.is_therapist:
        return []
    return list(practitioner.therapy_types.filter(is_active=True).prefetch_related("durations").order_by("title"))
