"""Beat tasks of the timetable: thin wrappers over services."""

import logging

from celery import shared_task

from schedules import external_calendar, services
from schedules.models import TherapistSettings

log = logging.getLogger(__name__)


@shared_task(name="schedules.extend_class_sessions")
def extend_class_sessions() -> str:
    """Extend every schedule's sessions over the rolling horizon. Idempotent."""
    report = services.extend_all_schedules()
    log.info("Class sessions extended: %s", report.summary())
    return report.summary()


@shared_task(name="schedules.cancel_underbooked_sessions")
def cancel_underbooked_sessions() -> int:
    """Cancel classes below their minimum at decision time. Idempotent."""
    cancelled = services.cancel_underbooked_sessions()
    if cancelled:
        log.info("Cancelled %d class session(s) below their minimum.", len(cancelled))
    return len(cancelled)


@shared_task(name="schedules.sync_external_calendars", ignore_result=True)
def sync_external_calendars() -> int:
    """Re-read every therapist's linked Google/Outlook calendar. Idempotent (replaces the spans)."""
    return external_calendar.sync_all()


@shared_task(name="schedules.sync_external_calendar", ignore_result=True)
def sync_external_calendar(practitioner_id: int) -> int:
    """Read one therapist's calendar now (they just linked it)."""
    cfg = TherapistSettings.objects.filter(pk=practitioner_id).exclude(external_calendar_url="").first()
    return external_calendar.sync(cfg) if cfg else 0
