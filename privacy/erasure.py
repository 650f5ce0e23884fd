"""Erasure (GDPR article 17): the client asks, a cooling-off period passes, the account is anonymised.

Anonymised, not deleted: bookings, payments, refunds and events stay, pointing at the
same (now nameless) user, so the studio's counters, reports and ``check_integrity`` stay
right. In order, in one transaction per client:

1. future bookings are cancelled through the booking service, by policy (refunds owed
   are recorded as for any cancellation), and live waitlist places and wishes are ended;
2. the user row loses name, e-mail, phone and password, and cannot log in; their e-mail
   addresses, outbox messages and data exports are deleted;
3. what they wrote is cleared: booking notes, intake answers, therapists' notes, their
   own cancellation reasons and the address and browser of their events;
4. payment and refund rows are kept whole (the ledger never deletes); their free text
   (payment note, refund reason) is cleared only past PRIVACY_PAYMENT_RETENTION_YEARS;
5. privacy.scrub replaces any copy of their e-mail, phone or name left in any text column.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import services as booking_services
from bookings.models import Booking, BookingEvent
from bookings.selectors import with_times
from bookings.transitions import ACTIVE_VALUES
from feedback.models import Feedback
from notifications.models import Notification
from payments.models import Payment, Refund
from privacy import scrub
from privacy.models import DataExport, ErasureRequest, ErasureState
from waitlist import queue, wishes
from waitlist.models import TherapyWish, WaitlistEntry
from waitlist.models.queue import LIVE_STATES, WaitlistEvent
from waitlist.models.therapy_wishes import LIVE_WISH_STATES, TherapyWishEvent

log = logging.getLogger(__name__)

ERASE_ANY = "privacy.add_erasurerequest"
ERASED_NAME = "Erased client"


class ErasureError(Exception):
    """str() is the message for the person asking."""


def _check_may_ask(actor: User, client: User, reason: str) -> None:
    if actor.pk == client.pk:
        return
    if not actor.has_perm(ERASE_ANY):
        raise PermissionDenied(_("You may not erase this account."))
    if not reason.strip():
        raise ErasureError(_("Give a reason for erasing this client's account."))


@transaction.atomic
def request_erasure(*, client: User, actor: User, reason: str = "", now: datetime | None = None) -> ErasureRequest:
    """Erase the account after the cooling-off period (the client), or at the next run (staff)."""
    _check_may_ask(actor, client, reason)
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=client.pk).first()
    if ErasureRequest.objects.filter(client=client, state=ErasureState.PENDING).exists():
        raise ErasureError(_("Deleting this account is already requested."))
    wait = timedelta(days=settings.PRIVACY_ERASURE_COOLING_OFF_DAYS) if actor.pk == client.pk else timedelta(0)
    return ErasureRequest.objects.create(
        client=client, requested_by=actor, reason=reason.strip()[:500], requested_at=now, due_at=now + wait
    )


def cancel_erasure(*, client: User, actor: User) -> bool:
    """The client changed their mind during the cooling-off period."""
    _check_may_ask(actor, client, reason="cancel")
    return bool(
        ErasureRequest.objects.filter(client=client, state=ErasureState.PENDING).update(
            state=ErasureState.CANCELLED, finished_at=timezone.now()
        )
    )


def pending_erasure(client: User) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(client=client, state=ErasureState.PENDING).first()


def erase_due(*, now: datetime | None = None, limit: int = 50) -> int:
    """The beat task's work: every request whose cooling-off is over. Idempotent."""
    now = now or timezone.now()
    due = list(
        ErasureRequest.objects.filter(state=ErasureState.PENDING, due_at__lte=now).values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if erase(request_id=pk, now=now))


def _cancel_future(client: User, now: datetime) -> int:
    future = with_times(Booking.objects.filter(client=client, status__in=ACTIVE_VALUES)).filter(begins__gt=now)  # type: ignore[misc]  # begins: the with_times annotation
    cancelled = 0
    for booking in future.order_by("pk"):
        try:
            booking_services.cancel_booking(
                booking=booking, actor=None, reason="account erased", meta=booking_services.TASK, now=now
            )
        except booking_services.BookingError as exc:
            # Anonymising is the legal duty and goes ahead; staff see the booking still active.
            log.warning("erasure: booking %s of client %s not cancelled: %s", booking.reference, client.pk, exc)
            continue
        cancelled += 1
    for entry in WaitlistEntry.objects.filter(client=client, state__in=LIVE_STATES):
        queue.leave_waitlist(entry=entry, actor=client, meta=booking_services.TASK)
    for wish in TherapyWish.objects.filter(client=client, state__in=LIVE_WISH_STATES):
        wishes.withdraw_wish(wish=wish, actor=client, meta=booking_services.TASK)
    return cancelled


def erase(*, request_id: int, now: datetime | None = None) -> bool:
    """Anonymise the client of one pending request; False when it is no longer pending."""
    now = now or timezone.now()
    pending = ErasureRequest.objects.filter(pk=request_id, state=ErasureState.PENDING).select_related("client")
    row = pending.first()
    if row is None:
        return False
    client = row.client
    cancelled = _cancel_future(client, now)  # each in its own transaction, as the services lock
    with transaction.atomic():
        if not ErasureRequest.objects.select_for_update().filter(pk=row.pk, state=ErasureState.PENDING).exists():
            return False
        identifiers = [client.email, str(client.phone or ""), *_names(client)]
        _anonymise(client, now)
        scrub.replace_everywhere([v for v in identifiers if v])
        ErasureRequest.objects.filter(pk=row.pk).update(
            state=ErasureState.DONE, finished_at=now, cancelled_bookings=cancelled
        )
    return True


def _names(client: User) -> list[str]:
    names = {client.display_name, client.get_full_name(), client.first_name, client.last_name}
    return [n for n in names if n and scrub.specific_name(n)]


def _anonymise(client: User, now: datetime) -> None:
    placeholder = f"erased-{client.pk}@erased.invalid"
    client.email = placeholder
    client.display_name = ERASED_NAME
    client.first_name = client.last_name = ""
    client.phone = ""
    client.is_active = False
    client.set_unusable_password()
    client.save(update_fields=["email", "display_name", "first_name", "last_name", "phone", "is_active", "password"])
    EmailAddress.objects.filter(user=client).delete()
    Notification.objects.filter(recipient=client).delete()
    DataExport.objects.filter(client=client).delete()
    theirs = Booking.objects.filter(client=client)
    theirs.update(note="", intake={}, therapist_note="", cancel_reason="", updated_at=now)
    BookingEvent.objects.filter(booking__client=client).update(ip_address=None, user_agent="")
    Feedback.objects.filter(booking__client=client).update(comment="")  # free text; the rating stays for the averages
    for events in (BookingEvent, WaitlistEvent, TherapyWishEvent):  # the names history keeps
        events.objects.filter(actor=client).update(actor_name=ERASED_NAME, reason="")
    past_retention = now - timedelta(days=365 * settings.PRIVACY_PAYMENT_RETENTION_YEARS)
    Payment.objects.filter(booking__client=client, created_at__lt=past_retention).update(note="")
    Refund.objects.filter(booking__client=client, created_at__lt=past_retention).update(reason="")
