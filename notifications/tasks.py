"""Celery tasks of the outbox: thin, idempotent, ids in."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_notification(pk: int | None = None, key: str | None = None) -> None:
    """Send one outbox row; running it twice sends once (the claim decides)."""
    services.deliver(pk, key=key)


@shared_task(name="notifications.deliver_many", ignore_result=True)
def deliver_notifications(keys: list[str]) -> None:
    """Send the rows of one change (or one chunk of a sweep), each claimed on its own."""
    for key in keys:
        services.deliver(key=key)


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    """Deliver rows still pending: the broker was down, a worker died, or a retry is due."""
    return services.sweep()
