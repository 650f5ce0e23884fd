"""Retiring a schedule: archiving it, or deleting one that nobody ever booked."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schedules.models import ClassSchedule, ClassSession
from schedules.services.errors import ScheduleInUse
from schedules.services.generation import GenerationReport, generate_sessions
from schedules.services.permissions import CHANGE_SCHEDULE, DELETE_SCHEDULE, check_permitted


def archive_schedule(*, schedule: ClassSchedule, actor, today: date | None = None) -> GenerationReport:
    """Retire a schedule instead of deleting it: it makes no new sessions from now on.

    Its future sessions that nobody booked leave the timetable at once; booked ones stay
    (clients hold them) and are flagged for staff to cancel or keep; past sessions and
    every booking keep pointing at it, so the history stays whole. Ticking "active"
    again brings the sessions back at the next generation.
    """
    check_permitted(actor, CHANGE_SCHEDULE)
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
    check_permitted(actor, DELETE_SCHEDULE)
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
