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
