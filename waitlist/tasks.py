"""Beat tasks of the waitlist: thin wrappers over services, idempotent."""

from celery import shared_task

from waitlist import services, wishes


@shared_task(name="waitlist.expire_offers", ignore_result=True)
def expire_offers() -> dict:
    """Expire overdue offers (their spots pass on), fill spots a failed release left free,
    close entries of classes that have started; the same for therapy wishes: offers
    expire (their time passes on), wishes whose last day is over expire, waiting wishes
    get free times no release reached. Two workers at once change nothing extra. (Holds
    nobody released are bookings.expire_holds' to free.)"""
    return {
        "expired": services.expire_due_offers(),
        "promoted": services.sweep_free_spots(),
        "closed": services.close_lapsed_entries(),
        "therapy_offers_expired": wishes.expire_due_offers(),
        "therapy_wishes_expired": wishes.close_lapsed_wishes(),
        "therapy_offered": wishes.sweep_wishes(),
    }
