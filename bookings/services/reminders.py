"""Reminder and daily agenda messages (the beat tasks' work)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from bookings import messages
from bookings.models import Booking, BookingStatus
from notifications.models import Notification
from schedules.models import ClassSession


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Queue the reminders that are due (the beat task); returns how many were new.

    For each offset in settings.BOOKING_REMINDER_HOURS, every confirmed booking whose
    class or therapy session starts within that many hours, and that existed before the reminder time,
    gets one message. The de-duplication key makes this exactly once per booking
    and offset, however late, often or concurrently the task runs.
    """
    from notifications.services import notify_many

    now = now or timezone.now()
    created = 0
    for hours in sorted(set(settings.BOOKING_REMINDER_HOURS), reverse=True):
        window = timedelta(hours=hours)
        due = (
            Booking.objects.filter(status=BookingStatus.CONFIRMED)
            .filter(
                # A class booking starts with its session, a therapy session at its own time.
                Q(
                    class_session__starts_at__gt=now,
                    class_session__starts_at__lte=now + window,
                    created_at__lt=F("class_session__starts_at") - window,
                )
                | Q(starts_at__gt=now, starts_at__lte=now + window, created_at__lt=F("starts_at") - window)
            )
            # Skip bookings already reminded (their in-app row exists): a repeat sweep reads nothing.
            .exclude(Exists(Notification.objects.filter(dedupe_key=_reminder_key(hours))))
            .with_what_and_where()
            .select_related("client")
            .order_by("pk")
        )
        batch = messages.reminder_messages(due, hours=hours)
        if batch:
            with transaction.atomic():
                created += notify_many(batch)
    return created


def _reminder_key(hours: int):
    """The in-app row's de-duplication key of a booking's reminder, as SQL (see messages.reminder_messages)."""
    return Concat(
        Value("booking:"),
        Cast(OuterRef("pk"), CharField()),
        Value(f":reminder:{hours}h:inapp"),
        output_field=CharField(),
    )


AGENDA_HOUR = 6  # local time at which practitioners get their day's agenda


def send_daily_agendas(*, now: datetime | None = None) -> int:
    """Each practitioner's agenda for today, once, from AGENDA_HOUR in their own zone (hourly beat task).

    Classes and therapy sessions of every practitioner around today are read once
    (the local days differ by zone, so a day on each side), then split per person.
    """
    from notifications.services import notify_many
    from schedules.models import Practitioner

    now = now or timezone.now()
    around = {"starts_at__gte": now - timedelta(days=1), "starts_at__lt": now + timedelta(days=2)}
    classes_of: dict[int, list[ClassSession]] = {}
    for session in (
        ClassSession.objects.scheduled()
        .filter(**around)
        .select_related("class_type", "location", "room")
        .prefetch_related("bookings__client")
        .order_by("starts_at")
    ):
        classes_of.setdefault(session.instructor_id, []).append(session)
    sessions_of: dict[int, list[Booking]] = {}
    for booking in (
        Booking.objects.filter(status__in=[BookingStatus.CONFIRMED, BookingStatus.REQUESTED], **around)
        .select_related("client", "therapy_type", "location", "room")
        .order_by("starts_at")
    ):
        sessions_of.setdefault(booking.practitioner_id, []).append(booking)
    batch = []
    for practitioner in Practitioner.objects.filter(is_active=True).select_related("user"):
        zone = practitioner.user.zone
        local = timezone.localtime(now, zone)
        if local.hour < AGENDA_HOUR:
            continue
        start = datetime.combine(local.date(), datetime.min.time(), zone)
        end = start + timedelta(days=1)
        sessions = [s for s in classes_of.get(practitioner.pk, ()) if start <= s.starts_at < end]
        appointments = [b for b in sessions_of.get(practitioner.pk, ()) if start <= b.starts_at < end]
        if sessions or appointments:
            batch.append(messages.agenda_message(practitioner, local.date(), sessions, appointments))
    with transaction.atomic():
        return notify_many(batch)
