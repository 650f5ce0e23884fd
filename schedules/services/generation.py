"""Generating a schedule's sessions from its pattern, idempotently, over the rolling horizon."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from schedules import recurrence
from schedules.models import ClassSchedule, ClassSession, SessionStatus
from schedules.selectors import blackout_applies, blackouts_overlapping
from schedules.services.errors import OccupancyConflict
from schedules.services.occupancy import check_session_is_free, sync_occupancy
from schedules.services.permissions import CHANGE_SCHEDULE, check_permitted
from schedules.services.sessions import cancel_class_session


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
        **_early_bird(schedule, occ.starts_at),
        "is_online": class_type.is_online or schedule.location.is_online,
        "video_link": class_type.video_link,
        "min_participants": schedule.effective_min_participants,
        "min_decision_hours": schedule.effective_min_decision_hours,
    }


def _early_bird(schedule: ClassSchedule, starts_at) -> dict:
    """The schedule's early bird made concrete for one date (days before becomes a moment)."""
    if schedule.early_bird_price is None:
        return {"early_bird_price": None, "early_bird_until": None, "early_bird_spots": None}
    days = schedule.early_bird_days
    return {
        "early_bird_price": schedule.early_bird_price,
        "early_bird_until": starts_at - timedelta(days=days) if days is not None else None,
        "early_bird_spots": schedule.early_bird_spots,
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
    check_permitted(actor, CHANGE_SCHEDULE)
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
            sync_occupancy(session)
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
            sync_occupancy(session)
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


def extend_all_schedules(*, today: date | None = None, horizon_days: int | None = None) -> GenerationReport:
    """Generate every active schedule's sessions over the rolling horizon (the beat task)."""
    horizon = horizon_days if horizon_days is not None else settings.SCHEDULE_HORIZON_DAYS
    report = GenerationReport()
    for schedule in ClassSchedule.objects.filter(is_active=True).select_related("location"):
        start = today or timezone.localdate(timezone.now(), schedule.location.zone)
        report.merge(generate_sessions(schedule=schedule, until=start + timedelta(days=horizon), today=today))
    return report
