"""Attendance closes by itself: after a session, confirmed bookings become attended or no-shows.

Without this a past booking stays "confirmed" until someone marks it, so reports, fees
and the client's history never settle. Each booking's policy says when attendance
closes (``attendance_closes_minutes`` after the end: until then staff can still check a
latecomer in) and whether a client nobody checked in is a no-show (the no-show fee then
applies, through ``set_status``, the one status service).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from bookings.services.core import TASK
from bookings.services.lifecycle import policy_in_force, set_status
from bookings.transitions import Status


def outcome_for(*, checked_in: bool, absent_is_no_show: bool) -> Status:
    """Attended, unless nobody checked the client in and the policy counts that as a no-show."""
    return Status.NO_SHOW if absent_is_no_show and not checked_in else Status.COMPLETED


def close_attendance(*, now: datetime | None = None, limit: int = 500) -> int:
    """Close every confirmed booking whose session ended more than its policy's window ago.

    Idempotent and safe beside a second worker: each booking is taken with SKIP LOCKED
    and re-read as confirmed, so a check-in or cancel committed meanwhile wins and no
    booking is closed twice. Oldest first, so bookings still inside their window (the
    newest) never crowd out those past it. Returns how many were closed.
    """
    now = now or timezone.now()
    ended = Q(class_session__ends_at__lte=now) | Q(class_session__isnull=True, ends_at__lte=now)
    due = list(
        Booking.objects.filter(ended, status=BookingStatus.CONFIRMED)
        .annotate(ended_at=Coalesce(F("class_session__ends_at"), F("ends_at")))
        .order_by("ended_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    closed = 0
    for pk in due:
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("class_session", "policy")
                .filter(pk=pk, status=BookingStatus.CONFIRMED)
                .first()
            )
            if booking is None:
                continue
            rules = policy_in_force(booking)
            if booking.end + timedelta(minutes=rules.attendance_closes_minutes) > now:
                continue
            to = outcome_for(checked_in=booking.checked_in_at is not None, absent_is_no_show=rules.absent_is_no_show)
            set_status(booking=booking, to=to, actor=None, reason="attendance closed", meta=TASK)
            closed += 1
    return closed
