"""Beat tasks of the timetable: thin wrappers over services."""

import logging

from celery import shared_task

from schedules import services

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
