"""What the waitlist tells people, through notifications.send_all in the caller's transaction.

Datetimes go into the context as ISO strings under keys ending ``_at``: the channels
show them in the recipient's zone. Each message has a de-duplication key, so a retry
never sends it twice.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from bookings.messages import booking_context
from notifications.services import Message, send_all


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def class_context(session) -> dict:
    return {
        "class_title": session.class_type.title,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "location": session.location.name,
        "room": session.room.name if session.room_id else "",
        "instructor": session.instructor.public_name,
        "class_url": _absolute(session.get_absolute_url()),
    }


def joined(entry, *, position: int) -> None:
    send_all(
        [
            Message(
                entry.client,
                "waitlist_joined",
                {
                    **class_context(entry.session),
                    "party_size": entry.party_size,
                    "position": position,
                    "url": _absolute(reverse("bookings:mine")),
                },
                f"waitlist:{entry.pk}:joined",
            )
        ]
    )


def offer_made(offer) -> None:
    """The offer, with its expiry (shown in the recipient's zone) and the link that accepts it."""
    send_all(
        [
            Message(
                offer.client,
                "waitlist_offer",
                {
                    **class_context(offer.session),
                    "quantity": offer.quantity,
                    "expires_at": offer.expires_at.isoformat(),
                    "url": _absolute(reverse("waitlist:offer", args=[offer.pk])),
                    "reference": offer.booking.reference,
                },
                f"waitlist-offer:{offer.pk}:made",
            )
        ]
    )


def offer_expired(offer) -> None:
    send_all(
        [
            Message(
                offer.client,
                "waitlist_offer_expired",
                {
                    **class_context(offer.session),
                    "quantity": offer.quantity,
                    "expires_at": offer.expires_at.isoformat(),
                },
                f"waitlist-offer:{offer.pk}:expired",
            )
        ]
    )


def enrolled(entry, booking) -> None:
    """Booked from the waitlist at once: the booking's confirmation, saying where it came from.

    The key is the booking's confirmation key, so the client never gets both.
    """
    context = {**booking_context(booking), "calendar_method": "REQUEST", "from_waitlist": True}
    send_all([Message(entry.client, "waitlist_enrolled", context, f"booking:{booking.pk}:confirmed")])


def class_cancelled(entries, session) -> None:
    if not entries:
        return
    context = class_context(session)
    context["reason"] = session.cancel_reason
    send_all(
        [Message(e.client, "waitlist_class_cancelled", context, f"waitlist:{e.pk}:class-cancelled") for e in entries]
    )
