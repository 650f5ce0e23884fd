"""Receivers of bookings' and schedules' signals, connected in WaitlistConfig.ready().

They run inside the transaction that freed the spots, so the spot goes to the queue
before anyone else can book it. A failure in the waitlist never stops a cancellation:
it is rolled back to a savepoint and logged, and the beat task's sweep fills the spot.
"""

import logging

from django.db import transaction
from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import spots_released, therapy_time_released
from schedules.models import ClassSession
from schedules.signals import class_session_cancelled, class_session_capacity_raised
from waitlist import services, wishes

log = logging.getLogger(__name__)


def _process(session_id: int) -> None:
    try:
        with transaction.atomic():
            services.process_session(session_id=session_id)
    except Exception:
        log.exception("Waitlist processing of class session %s failed; the sweep will retry.", session_id)


@receiver(spots_released, sender=Booking, dispatch_uid="waitlist.spots_released")
def on_spots_released(sender, session_id: int, quantity: int, **kwargs) -> None:
    _process(session_id)


@receiver(class_session_capacity_raised, sender=ClassSession, dispatch_uid="waitlist.capacity_raised")
def on_capacity_raised(sender, session_id: int, added: int, **kwargs) -> None:
    _process(session_id)


@receiver(class_session_cancelled, sender=ClassSession, dispatch_uid="waitlist.class_cancelled")
def on_class_cancelled(sender, session: ClassSession, reason: str, actor=None, **kwargs) -> None:
    services.close_for_cancelled_session(session=session, actor=actor)


@receiver(therapy_time_released, sender=Booking, dispatch_uid="waitlist.therapy_time_released")
def on_therapy_time_released(sender, practitioner_id: int, starts_at, ends_at, **kwargs) -> None:
    """Offer the freed time to the first matching therapy wish, in a savepoint of the release."""
    try:
        with transaction.atomic():
            wishes.offer_released_time(practitioner_id=practitioner_id, starts_at=starts_at, ends_at=ends_at)
    except Exception:
        log.exception("Therapy wishes for therapist %s at %s failed; the time stays free.", practitioner_id, starts_at)
