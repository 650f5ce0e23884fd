"""Beat tasks of bookings: thin wrappers over services, idempotent."""

from celery import shared_task

from bookings import services


@shared_task(name="bookings.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Queue booking reminders that are due; exactly once per booking and offset."""
    return services.send_due_reminders()


@shared_task(name="bookings.send_daily_agendas", ignore_result=True)
def send_daily_agendas() -> int:
    """Practitioners' agendas for today; exactly once per practitioner and day."""
    return services.send_daily_agendas()


@shared_task(name="bookings.expire_therapy_requests", ignore_result=True)
def expire_therapy_requests() -> int:
    """Therapy requests nobody answered in time: expired, time freed, client told."""
    return services.expire_requests()


@shared_task(name="bookings.expire_holds", ignore_result=True)
def expire_holds() -> int:
    """Holds (class spots, therapy time) still pending past their deadline and its grace:
    expired, spots or time freed. The waitlist's offers expire their own holds first."""
    return services.expire_holds()


@shared_task(name="bookings.close_attendance", ignore_result=True)
def close_attendance() -> int:
    """Past sessions' confirmed bookings become attended or no-shows, as their policy says."""
    return services.close_attendance()
