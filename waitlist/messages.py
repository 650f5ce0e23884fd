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
                    "url": _absolute(reverse("waitlist:offer", args=["class", offer.pk])),
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
    context = {**booking_context(booking), "from_waitlist": True}
    send_all([Message(entry.client, "waitlist_enrolled", context, f"booking:{booking.pk}:confirmed")])


def class_cancelled(entries, session) -> None:
    if not entries:
        return
    context = class_context(session)
    context["reason"] = session.cancel_reason
    send_all(
        [Message(e.client, "waitlist_class_cancelled", context, f"waitlist:{e.pk}:class-cancelled") for e in entries]
    )


# --- therapy wishes ---------------------------------------------------------------------------


def _wish_context(wish) -> dict:
    """The wish in the client's words: therapy, therapist, days and hours (in the wish's zone)."""
    from django.utils.formats import date_format

    from schedules.models import Weekday

    return {
        "therapy_title": wish.therapy_type.title,
        "therapist": wish.practitioner.public_name if wish.practitioner_id else "",
        "minutes": wish.minutes,
        "first_day": date_format(wish.earliest_date, "D j M Y"),
        "last_day": date_format(wish.latest_date, "D j M Y"),
        "weekdays": ", ".join(str(Weekday(d).label) for d in wish.weekday_numbers()),
        "from_time": wish.earliest_time.strftime("%H:%M"),
        "to_time": wish.latest_time.strftime("%H:%M"),
        "wish_zone": wish.time_zone,
        "url": _absolute(reverse("bookings:mine")),
    }


def _kept_time(booking) -> dict:
    """The session's facts without a calendar invitation: the time is only kept, not booked."""
    facts = booking_context(booking)
    facts.pop("calendar", None)
    return facts


def wish_registered(wish) -> None:
    send_all([Message(wish.client, "therapy_wish_registered", _wish_context(wish), f"therapy-wish:{wish.pk}:added")])


def wish_offer_made(offer) -> None:
    """The kept time, with its expiry (shown in the recipient's zone) and the link that accepts it."""
    context = {
        **_kept_time(offer.booking),
        **_wish_context(offer.wish),
        "expires_at": offer.expires_at.isoformat(),
        "url": _absolute(reverse("waitlist:offer", args=["therapy", offer.pk])),
    }
    send_all([Message(offer.client, "therapy_wish_offer", context, f"therapy-wish-offer:{offer.pk}:made")])


def wish_offer_expired(offer) -> None:
    context = {
        **_kept_time(offer.booking),
        **_wish_context(offer.wish),
        "expires_at": offer.expires_at.isoformat(),
        "url": _absolute(offer.wish.therapy_type.get_absolute_url()),
    }
    send_all([Message(offer.client, "therapy_wish_offer_expired", context, f"therapy-wish-offer:{offer.pk}:expired")])
