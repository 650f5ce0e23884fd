"""A session's occupied time: what is in the way, and the occupancy row kept in step with it."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schedules.models import ClassSession, Occupancy, OccupancyKind, SessionStatus
from schedules.selectors import occupancy_conflicts
from schedules.services.errors import OccupancyConflict


def describe_conflict(row: Occupancy, *, practitioner_id: int | None, room_id: int | None) -> list[str]:
    """What stands in the way, in staff's words: one sentence per clash with this row.

    A row holds a practitioner and often a room too, so which of them clashes depends
    on the session being saved: a room held by another class names the room and that
    class, never the other class's instructor.
    """
    if row.class_session is not None:
        holder = row.class_session.class_type.title
    elif row.is_tentative:
        holder = _("a therapy request")
    else:
        holder = _("a therapy session")
    starts, ends = timezone.localtime(row.starts_at), timezone.localtime(row.ends_at)
    until = ends.strftime("%H:%M") if ends.date() == starts.date() else ends.strftime("%a %d %b %Y %H:%M")
    facts = {"holder": holder, "when": f"{starts:%a %d %b %Y %H:%M}–{until}"}
    lines = []
    if practitioner_id and row.practitioner_id == practitioner_id:
        lines.append(
            _("Instructor %(who)s is already taken by %(holder)s on %(when)s.") % {**facts, "who": row.practitioner}
        )
    if room_id and row.room_id == room_id:
        lines.append(_("Room %(room)s is already taken by %(holder)s on %(when)s.") % {**facts, "room": row.room})
    return lines


def check_session_is_free(session: ClassSession) -> None:
    """Raise OccupancyConflict, naming what is in the way, if the session's instructor or room is taken then."""
    rows = occupancy_conflicts(
        practitioner_id=session.instructor_id,
        room_id=session.room_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        exclude_session_id=session.pk,
    )
    lines = [
        line
        for row in rows
        for line in describe_conflict(row, practitioner_id=session.instructor_id, room_id=session.room_id)
    ]
    if lines:
        raise OccupancyConflict(" ".join(lines))


def _what_is_in_the_way(session: ClassSession) -> str:
    """After the exclusion constraint said no: the same words as the check, if the rows can be seen."""
    try:
        check_session_is_free(session)
    except OccupancyConflict as exc:
        return str(exc)
    return _("The instructor or the room is already taken at that time.")


def sync_occupancy(session: ClassSession) -> None:
    """Make the session's occupancy row match it (none when cancelled).

    Runs inside the caller's transaction, under a savepoint so that a PostgreSQL
    exclusion violation can be reported as a conflict and the caller's transaction
    stays usable.
    """
    try:
        with transaction.atomic():
            Occupancy.objects.filter(class_session=session).delete()
            if session.status == SessionStatus.SCHEDULED:
                Occupancy.objects.create(
                    kind=OccupancyKind.CLASS,
                    class_session=session,
                    practitioner_id=session.instructor_id,
                    room_id=session.room_id,
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                )
    except IntegrityError as exc:
        # The savepoint is rolled back, so the transaction can still read what refused us.
        raise OccupancyConflict(_what_is_in_the_way(session)) from exc
