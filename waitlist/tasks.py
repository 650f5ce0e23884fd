"""Beat tasks of the waitlist: thin wrappers over services, idempotent."""

from celery import shared_task

from waitlist import services


@shared_task(name="waitlist.expire_offers", ignore_result=True)
def expire_offers() -> dict:
    """Expire overdue offers (their spots pass on), fill spots a failed release left free,
    close entries of classes that have started. Two workers at once change nothing extra."""
    return {
        "expired": services.expire_due_offers(),
        "promoted": services.sweep_free_spots(),
        "closed": services.close_lapsed_entries(),
    }
