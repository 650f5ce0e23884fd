"""The therapist's private note on a session: written by that session's therapist only.

The note is the therapist's own working record (bookings.models.Booking.therapist_note):
not the client's, not the studio's. So no role grants writing it, staff who manage
bookings included; only the practitioner the session is with.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from bookings.services import NotPermitted

MAX_LENGTH = 10_000


def save_therapist_note(*, booking: Booking, actor: User, text: str) -> None:
    """Replace the note. The row decides who may: one conditional UPDATE on the session and its
    therapist's user, so a booking object with a changed practitioner in memory proves nothing."""
    if not actor.is_authenticated:
        raise NotPermitted(_("Only the therapist of this session can keep notes on it."))
    written = Booking.objects.filter(pk=booking.pk, practitioner__isnull=False, practitioner__user_id=actor.pk).update(
        therapist_note=text[:MAX_LENGTH], updated_at=timezone.now()
    )
    if not written:
        raise NotPermitted(_("Only the therapist of this session can keep notes on it."))
    booking.therapist_note = text[:MAX_LENGTH]
