"""Changing one class session: staff's edits, cancelling it, and cancelling underbooked ones."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from schedules.models import ClassSession, SessionStatus
from schedules.services.errors import ScheduleError
from schedules.services.occupancy import check_session_is_free, sync_occupancy
from schedules.services.permissions import CHANGE_SESSION, check_permitted
from schedules.signals import class_session_cancelled, class_session_capacity_raised

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
        "early_bird_price",
        "early_bird_until",
        "early_bird_spots",
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
    sync_occupancy(session)
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
    check_permitted(actor, CHANGE_SESSION)
    session = ClassSession.objects.select_for_update().get(pk=session.pk)
    if session.status == SessionStatus.CANCELLED:
        return session
    if not reason.strip():
        raise ScheduleError(_("Please give a reason for cancelling the class."))
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason.strip()[:255]
    session.save(update_fields=["status", "cancel_reason", "updated_at"])
    sync_occupancy(session)
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
