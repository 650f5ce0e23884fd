"""Beat tasks of bookings: thin wrappers over services, idempotent."""

from celery import shared_task

from bookings import services


@shared_task(name="bookings.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Queue booking reminders that are due; exactly once per booking and offset."""
    return services.send_due_reminders()
