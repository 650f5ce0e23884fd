"""Writes to the timetable: generating sessions, editing and cancelling them.

Every function here is a domain action: one transaction, the rows it touches
locked up front, occupancy rows kept in step with the sessions they mirror.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schedules import recurrence
from schedules.models import (
    ClassSchedule,
    ClassSession,
    Occupancy,
    OccupancyKind,
    SessionStatus,
)
from schedules.selectors import blackout_applies, blackouts_overlapping, occupancy_conflicts
from schedules.signals import class_session_cancelled, class_session_capacity_raised

log = logging.getLogger(__name__)


class ScheduleError(Exception):
    """A timetable change that cannot be made; the message is fit to show staff."""


class OccupancyConflict(ScheduleError):
    pass


class NotPermitted(ScheduleError):
    """The actor's role does not allow this change (the admin hides the action too)."""


class ScheduleInUse(ScheduleError):
    """A schedule whose sessions hold bookings cannot be deleted: archive it instead."""


CHANGE_SCHEDULE = "schedules.change_classschedule"
DELETE_SCHEDULE = "schedules.delete_classschedule"
CHANGE_SESSION = "schedules.change_classsession"


def _check_permitted(actor, perm: str) -> None:
    """``actor=None`` is the system (beat tasks); a person needs the permission of their role.

    ``is_staff`` alone opens the admin and grants nothing: the permission is checked here
    as well as in the admin, so no path can skip it.
    """
    if actor is not None and not actor.has_perm(perm):
        raise NotPermitted(_("Your role does not allow this change to the timetable."))


@dataclass
class GenerationReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    conflicts: list[str] = field(default_factory=list)  # existing sessions flagged for staff
    skipped: list[str] = field(default_factory=list)  # occurrences not created, and why

    def merge(self, other: GenerationReport) -> None:
        self.created += other.created
        self.updated += other.updated
        self.removed += other.removed
        self.conflicts += other.conflicts
        self.skipped += other.skipped

    def summary(self) -> str:
        return _(
            "%(created)d created, %(updated)d updated, %(removed)d removed, %(conflicts)d flagged, %(skipped)d skipped"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "conflicts": len(self.conflicts),
            "skipped": len(self.skipped),
        }


# --- occupancy ------------------------------------------------------------------------


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


def _sync_occupancy(session: ClassSession) -> None:
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


# --- generation -------------------------------------------------------------------------


def _desired_fields(schedule: ClassSchedule, occ: recurrence.Occurrence) -> dict:
    class_type = schedule.class_type
    return {
        "class_type_id": schedule.class_type_id,
        "location_id": schedule.location_id,
        "room_id": schedule.room_id,
        "instructor_id": schedule.instructor_id,
        "starts_at": occ.starts_at,
        "ends_at": occ.ends_at,
        "capacity": schedule.effective_capacity,
        "price": schedule.effective_price,
        "currency": class_type.currency,
        "is_online": class_type.is_online or schedule.location.is_online,
        "video_link": class_type.video_link,
        "min_participants": schedule.effective_min_participants,
        "min_decision_hours": schedule.effective_min_decision_hours,
    }


def _blocked_by(blackouts: list, schedule: ClassSchedule, occ: recurrence.Occurrence):
    for b in blackouts:
        if recurrence.overlaps(b.starts_at, b.ends_at, occ.starts_at, occ.ends_at) and blackout_applies(
            b,
            location_id=schedule.location_id,
            room_id=schedule.room_id,
            practitioner_id=schedule.instructor_id,
        ):
            return b
    return None


def planned_occurrences(schedule: ClassSchedule, *, start: date, end: date) -> list[recurrence.Occurrence]:
    dates = recurrence.expand_dates(
        schedule.recurrence,
        valid_from=schedule.valid_from,
        valid_until=schedule.valid_until,
        window_start=start,
        window_end=end,
    )
    return recurrence.occurrences(
        dates,
        start_time=schedule.start_time,
        duration=timedelta(minutes=schedule.effective_duration),
        zone=schedule.location.zone,
    )


@transaction.atomic
def generate_sessions(
    *, schedule: ClassSchedule, until: date, today: date | None = None, actor=None
) -> GenerationReport:
    """Bring the schedule's future sessions up to ``until`` in line with its pattern.

    Idempotent: a second run with the same inputs changes nothing. Sessions edited
    by hand are left alone; sessions with spots taken are never moved or removed,
    only flagged (``conflict_note``) for staff to decide; a session that is simply no
    longer in the pattern and was never booked is removed. New occurrences inside a
    blackout, or whose instructor or room is taken, are not created but reported;
    existing sessions inside a blackout are flagged for staff to cancel.
    Locks the schedule row so the beat task and an admin action cannot interleave.
    A person (``actor``) needs the permission to change schedules; None is the beat task.
    """
    _check_permitted(actor, CHANGE_SCHEDULE)
    schedule = (
        ClassSchedule.objects.select_for_update(of=("self",))
        .select_related("class_type", "location", "room", "instructor")
        .get(pk=schedule.pk)
    )
    report = GenerationReport()
    now = timezone.now()
    start = today or timezone.localdate(now, schedule.location.zone)
    plan = (
        []
        if not schedule.is_active
        else [o for o in planned_occurrences(schedule, start=start, end=until) if o.starts_at > now]
    )
    existing = {
        s.occurrence_date: s
        for s in ClassSession.objects.filter(schedule=schedule, occurrence_date__gte=start, starts_at__gt=now)
    }
    blackouts = (
        blackouts_overlapping(
            starts_at=min([o.starts_at for o in plan], default=now),
            ends_at=max([o.ends_at for o in plan], default=now),
        )
        if plan
        else []
    )

    planned_dates: set[date] = set()
    for occ in plan:
        blackout = _blocked_by(blackouts, schedule, occ)
        session = existing.get(occ.local_date)
        if blackout is not None:
            planned_dates.add(occ.local_date)  # not "dropped from the pattern": keep, report
            if session is None:
                report.skipped.append(_("%(date)s: inside blackout “%(b)s”.") % {"date": occ.local_date, "b": blackout})
            elif session.status == SessionStatus.SCHEDULED:
                # Staff decide: the blackout admin lists these for cancelling.
                _flag(session, _("Inside blackout “%(b)s”: cancel it unless it goes ahead.") % {"b": blackout}, report)
            continue
        planned_dates.add(occ.local_date)
        desired = _desired_fields(schedule, occ)
        if session is None:
            _create_session(schedule, occ, desired, report)
        elif not session.is_customised and session.status == SessionStatus.SCHEDULED:
            _update_session(session, desired, report)

    for day, session in existing.items():
        if day in planned_dates or session.is_customised or session.status != SessionStatus.SCHEDULED:
            continue
        if session.spots_taken:
            _flag(
                session,
                _("No longer in the schedule (excluded date or schedule change) but has bookings: cancel or keep it."),
                report,
            )
        else:
            _remove_unbooked(session, report, actor=actor)
    return report


def _remove_unbooked(session: ClassSession, report: GenerationReport, *, actor=None) -> None:
    """A session dropped from the pattern with no spots taken: delete it, occupancy with it.

    One whose bookings were all cancelled, or that has a waitlist, is history other apps
    keep (their rows protect it): it is cancelled instead, so it leaves the timetable and
    the people waiting are told.
    """
    try:
        with transaction.atomic():
            session.delete()
    except ProtectedError:
        cancel_class_session(session=session, reason=_("No longer on the timetable."), actor=actor)
    report.removed += 1


def _create_session(
    schedule: ClassSchedule, occ: recurrence.Occurrence, desired: dict, report: GenerationReport
) -> None:
    session = ClassSession(schedule=schedule, occurrence_date=occ.local_date, **desired)
    try:
        check_session_is_free(session)
        with transaction.atomic():
            session.save()
            _sync_occupancy(session)
    except OccupancyConflict as exc:
        report.skipped.append(f"{occ.local_date}: {exc}")
        return
    report.created += 1


# Settings that never affect a booked client's plans; regeneration applies them even
# to sessions with bookings.
SOFT_FIELDS = frozenset({"min_participants", "min_decision_hours"})


def _update_session(session: ClassSession, desired: dict, report: GenerationReport) -> None:
    changed = [name for name, value in desired.items() if getattr(session, name) != value]
    soft = [name for name in changed if name in SOFT_FIELDS]
    if soft and session.spots_taken:
        for name in soft:
            setattr(session, name, desired[name])
        session.save(update_fields=[*soft, "updated_at"])
        changed = [name for name in changed if name not in SOFT_FIELDS]
    if not changed:
        if session.conflict_note:
            session.conflict_note = ""
            session.save(update_fields=["conflict_note", "updated_at"])
        return
    if session.spots_taken:
        _flag(
            session,
            _("The schedule changed (%(fields)s) but this session has bookings: update it by hand.")
            % {"fields": ", ".join(f.removesuffix("_id") for f in changed)},
            report,
        )
        return
    for name in changed:
        setattr(session, name, desired[name])
    try:
        with transaction.atomic():
            session.conflict_note = ""
            session.save(update_fields=[*changed, "conflict_note", "updated_at"])
            _sync_occupancy(session)
    except OccupancyConflict as exc:
        session.refresh_from_db()
        _flag(session, str(exc), report)
        return
    report.updated += 1


def _flag(session: ClassSession, note: str, report: GenerationReport) -> None:
    note = note[:255]
    report.conflicts.append(f"{session}: {note}")
    if session.conflict_note != note:
        session.conflict_note = note
        session.save(update_fields=["conflict_note", "updated_at"])


def archive_schedule(*, schedule: ClassSchedule, actor, today: date | None = None) -> GenerationReport:
    """Retire a schedule instead of deleting it: it makes no new sessions from now on.

    Its future sessions that nobody booked leave the timetable at once; booked ones stay
    (clients hold them) and are flagged for staff to cancel or keep; past sessions and
    every booking keep pointing at it, so the history stays whole. Ticking "active"
    again brings the sessions back at the next generation.
    """
    _check_permitted(actor, CHANGE_SCHEDULE)
    with transaction.atomic():
        locked = ClassSchedule.objects.select_for_update().select_related("location").get(pk=schedule.pk)
        if locked.is_active:
            locked.is_active = False
            locked.save(update_fields=["is_active"])
        start = today or timezone.localdate(timezone.now(), locked.location.zone)
        until = start + timedelta(days=settings.SCHEDULE_HORIZON_DAYS)
        return generate_sessions(schedule=locked, until=until, today=today, actor=actor)


def in_use_message(schedule: ClassSchedule, booked: int | None = None) -> str:
    """Why a schedule cannot be deleted, and what to do instead (the admin shows it too)."""
    if booked:
        why = ngettext("%(n)d of its sessions has bookings.", "%(n)d of its sessions have bookings.", booked) % {
            "n": booked
        }
    else:
        why = _("Its sessions keep bookings' history (cancelled bookings or a waitlist).")
    return _(
        "“%(schedule)s” cannot be deleted: %(why)s Archive it instead (untick “active” or use the "
        "“Archive” action): it makes no new sessions and the booked ones stay for you to cancel or keep."
    ) % {"schedule": schedule, "why": why}


def delete_schedule(*, schedule: ClassSchedule, actor) -> int:
    """Delete a schedule made by mistake, with its sessions that nobody ever booked.

    Refused with ScheduleInUse when any of its sessions holds a booking or a booking's
    history: deleting would orphan them (the foreign key is PROTECT for the same
    reason); archive_schedule() is the way out. The sessions are locked first, so a
    booking racing the delete waits and then finds the class gone. Returns how many
    sessions went with it.
    """
    _check_permitted(actor, DELETE_SCHEDULE)
    with transaction.atomic():
        locked = ClassSchedule.objects.select_for_update().get(pk=schedule.pk)
        sessions = list(ClassSession.objects.select_for_update().filter(schedule=locked))
        booked = sum(1 for s in sessions if s.spots_taken)
        if booked:
            raise ScheduleInUse(in_use_message(locked, booked))
        try:
            with transaction.atomic():
                ClassSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()
                locked.delete()
        except ProtectedError as exc:
            raise ScheduleInUse(in_use_message(locked)) from exc
    return len(sessions)  # the timetable's cache follows the deletes' signals (schedules.apps)


def extend_all_schedules(*, today: date | None = None, horizon_days: int | None = None) -> GenerationReport:
    """Generate every active schedule's sessions over the rolling horizon (the beat task)."""
    horizon = horizon_days if horizon_days is not None else settings.SCHEDULE_HORIZON_DAYS
    report = GenerationReport()
    for schedule in ClassSchedule.objects.filter(is_active=True).select_related("location"):
        start = today or timezone.localdate(timezone.now(), schedule.location.zone)
        report.merge(generate_sessions(schedule=schedule, until=start + timedelta(days=horizon), today=today))
    return report


# --- editing one session -----------------------------------------------------------------

# Changing these on a generated session detaches it from its schedule's regeneration.
CUSTOMISING_FIELDS = frozenset(
    {
        "class_type",
        "location",
        "room",
        "instructor",
        "starts_at",
        "ends_at",
        "capacity",
        "price",
        "is_online",
        "video_link",
        "min_participants",
        "min_decision_hours",
    }
)


@transaction.atomic
def save_class_session(*, session: ClassSession, changed_fields: list[str] | None = None) -> ClassSession:
    """Save a session edited by staff (new or changed) and keep its occupancy in step.

    Raises OccupancyConflict with a message naming what is in the way.
    """
    old_capacity = None
    if session.pk:
        locked = ClassSession.objects.select_for_update().filter(pk=session.pk).values_list("capacity", "spots_taken")
        found = locked.first()
        if found:
            # The form was loaded before bookings may have changed the counter: keep the
            # counter as the locked row has it, never the form's stale copy.
            old_capacity, session.spots_taken = found
    if session.capacity < session.spots_taken:
        raise ScheduleError(
            _("Capacity cannot be lower than the %(n)d spots already taken.") % {"n": session.spots_taken}
        )
    if session.status == SessionStatus.SCHEDULED:
        check_session_is_free(session)
    if session.schedule_id and changed_fields and CUSTOMISING_FIELDS.intersection(changed_fields):
        session.is_customised = True
    session.save()
    _sync_occupancy(session)
    if old_capacity is not None and session.capacity > old_capacity and session.status == SessionStatus.SCHEDULED:
        class_session_capacity_raised.send(
            sender=ClassSession, session_id=session.pk, added=session.capacity - old_capacity
        )
    return session


@transaction.atomic
def cancel_class_session(*, session: ClassSession, reason: str, actor=None) -> ClassSession:
    """Cancel a session: it stays on the timetable marked cancelled, its time is freed.

    Listeners of ``class_session_cancelled`` (bookings) run inside this transaction; the
    actor's permission to change sessions covers the bookings it cancels. ``actor=None``
    is the system (the minimum-participants task).
    """
    _check_permitted(actor, CHANGE_SESSION)
    session = ClassSession.objects.select_for_update().get(pk=session.pk)
    if session.status == SessionStatus.CANCELLED:
        return session
    if not reason.strip():
        raise ScheduleError(_("Please give a reason for cancelling the class."))
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason.strip()[:255]
    session.save(update_fields=["status", "cancel_reason", "updated_at"])
    _sync_occupancy(session)
    class_session_cancelled.send(sender=ClassSession, session=session, reason=session.cancel_reason, actor=actor)
    return session


UNDERBOOKED_LOOKAHEAD = timedelta(days=8)  # longer than any sensible decision time


def cancel_underbooked_sessions(*, now=None) -> list[ClassSession]:
    """Cancel sessions still below their minimum at their decision time (the beat task).

    Goes through cancel_class_session, so every booking is cancelled with a full
    refund and everyone is told. Idempotent: a cancelled session is not picked again.
    """
    now = now or timezone.now()
    candidates = ClassSession.objects.filter(
        status=SessionStatus.SCHEDULED,
        min_participants__isnull=False,
        keep_below_minimum=False,
        starts_at__gt=now,
        starts_at__lte=now + UNDERBOOKED_LOOKAHEAD,
        spots_taken__lt=F("min_participants"),
    ).select_related("class_type", "location")
    cancelled = []
    for session in candidates:
        if session.minimum_decided_at <= now:
            reason = _("Not enough participants (minimum %(n)d).") % {"n": session.min_participants}
            cancelled.append(cancel_class_session(session=session, reason=reason))
    return cancelled
