"""What bookings tell people, as plain data for notifications.notify()."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from bookings.calendar import client_event, therapist_event, what_where
from bookings.models import Booking
from notifications import private_data
from notifications.services import Message, send_all


def in_language_of(user) -> translation.override:
    """The reader's language, for the words an outbox row keeps (the calendar event, "Online").

    The row is written by whoever acts (a client on a page, staff in admin, a beat task in
    the default language) and read later by its recipient, in theirs (notifications.channels).
    """
    return translation.override(user.language or settings.LANGUAGE_CODE)


def booking_context(booking: Booking, *, reader=None) -> dict:
    """A booking as ``reader`` (the client unless named) reads it, with their copy of the calendar event."""
    with in_language_of(reader or booking.client):
        return _booking_context(booking)


def _booking_context(booking: Booking) -> dict:
    facts = what_where(booking)
    location = facts["location"]
    place = location.name if location else _("Online")
    event = client_event(booking)
    return {
        "reference": booking.reference,
        "is_therapy": booking.is_therapy,
        "class_title": facts["title"],
        "starts_at": facts["start"].isoformat(),
        "ends_at": facts["end"].isoformat(),
        "location": place,
        "room": facts["room"],
        "instructor": facts["practitioner"].public_name,
        "quantity": booking.quantity,
        "total": str(booking.total),
        "currency": booking.currency,
        "url": event.url,
        "video_link": facts["video_link"],
        "calendar": event.to_dict(),
    }


def roster_url(session) -> str:
    """The instructor's own roster page (instructors are not staff: no admin links in their mail)."""
    return settings.SITE_URL.rstrip("/") + reverse("bookings:instructor_roster", args=[session.pk])


def _for_instructor(booking: Booking, event: str, key: str, *, by_studio: bool = False) -> list[Message]:
    """The class's instructor hears of every booking, cancellation and change at once.

    Not when the studio cancelled the whole class: the instructor knows, and one
    message per client would only be noise.
    """
    session = booking.class_session
    if booking.is_therapy:
        return _for_therapist(booking, event, key)
    if by_studio or session is None:
        return []
    return [
        Message(
            recipient=session.instructor.user,
            kind="class_booking_news",
            context={
                "event": event,
                "client": booking.client.name,
                "quantity": booking.quantity,
                "booking_id": booking.pk,  # the note is read from the booking when sent (note_of)
                "class_title": session.class_type.title,
                "starts_at": session.starts_at.isoformat(),
                "url": roster_url(session),
            },
            dedupe_key=f"{key}:instructor",
        )
    ]


def _for_therapist(booking: Booking, event: str, key: str) -> list[Message]:
    """A therapist hears at once of every booking, request, cancellation and move of their sessions."""
    therapist = booking.therapist.user
    with in_language_of(therapist):
        calendar = therapist_event(booking).to_dict()
    return [
        Message(
            recipient=therapist,
            kind="therapy_booking_news",
            context={
                **booking_context(booking, reader=therapist),
                "event": event,
                "client": booking.client.name,
                "booking_id": booking.pk,  # the note is read from the booking when sent (note_of)
                "url": settings.SITE_URL.rstrip("/") + reverse("bookings:therapist_sessions"),
                # The therapist's own copy of the event: same UID and SEQUENCE as the
                # client's, their session page as its link (bookings.calendar).
                "calendar": calendar,
            },
            dedupe_key=f"{key}:therapist",
        )
    ]


def booking_confirmed(booking: Booking) -> None:
    key = f"booking:{booking.pk}:confirmed"
    context = booking_context(booking)
    send_all([Message(booking.client, "booking_confirmed", context, key), *_for_instructor(booking, "booked", key)])


def booking_cancelled(booking: Booking, *, refund, fee, by_studio: bool, reason: str) -> None:
    key = f"booking:{booking.pk}:cancelled"
    context = {
        **booking_context(booking),
        "refund": str(refund),
        "fee": str(fee),
        "by_studio": by_studio,
        "reason": reason,
    }
    send_all(
        [
            Message(booking.client, "booking_cancelled", context, key),
            *_for_instructor(booking, "cancelled", key, by_studio=by_studio),
        ]
    )


def booking_changed(booking: Booking) -> None:
    key = f"booking:{booking.pk}:changed:{booking.ics_sequence}"
    context = booking_context(booking)
    send_all([Message(booking.client, "booking_changed", context, key), *_for_instructor(booking, "changed", key)])


def reminder_messages(bookings, *, hours: int) -> list[Message]:
    """One reminder per booking for this offset; the key makes it exactly once."""
    return [
        Message(
            recipient=b.client,
            kind="booking_reminder",
            context={**booking_context(b), "hours_before": hours},
            dedupe_key=f"booking:{b.pk}:reminder:{hours}h",
        )
        for b in bookings
    ]


def agenda_message(practitioner, day, sessions, appointments=()) -> Message:
    """A practitioner's day: their classes with who is booked (counts; notes by reference), and their 1:1 sessions."""
    with in_language_of(practitioner.user):
        online = _("Online")
    items = []
    for s in sessions:
        booked = [b for b in s.bookings.all() if b.is_active]
        items.append(
            {
                "title": s.class_type.title,
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
                "where": s.location.name + (f" · {s.room.name}" if s.room_id else ""),
                "booked": sum(b.quantity for b in booked),
                "capacity": s.capacity,
                "noted_bookings": [b.pk for b in booked if b.note],  # the notes: agenda_notes, when sent
                "url": roster_url(s),
            }
        )
    return Message(
        recipient=practitioner.user,
        kind="practitioner_agenda",
        context={
            "day": day.isoformat(),
            "items": items,
            "appointments": [
                {
                    "title": b.therapy_type.title,
                    "starts_at": b.starts_at.isoformat(),
                    "ends_at": b.ends_at.isoformat(),
                    "where": (b.location.name if b.location_id else online)
                    + (f" · {b.room.name}" if b.room_id else ""),
                    "client": b.client.name,
                    "requested": b.status == "requested",
                }
                for b in appointments
            ],
            "count": len(items) + len(appointments),
            "url": settings.SITE_URL,
        },
        dedupe_key=f"agenda:{practitioner.pk}:{day.isoformat()}",
    )


# --- what the outbox does not keep (notifications.private_data) -------------------------------
#
# A client's note can be about their health: the outbox rows store the booking's id and
# these loaders read the note when the message is rendered for the practitioner.

NEWS_KINDS = ("class_booking_news", "therapy_booking_news")


def note_of(context: dict) -> dict:
    """The booking's note for a practitioner's news message."""
    if "booking_id" not in context:
        return {}  # a row stored before notes left the outbox
    note = Booking.objects.filter(pk=context["booking_id"]).values_list("note", flat=True).first()
    return {"note": note or ""}


def agenda_notes(context: dict) -> dict:
    """Each agenda class's notes ("Name: note"), read in one query for the whole day."""
    items = context.get("items", [])
    ids = [pk for item in items for pk in item.get("noted_bookings", ())]
    if not ids:
        return {}
    notes = {
        b.pk: f"{b.client.name}: {b.note}"
        for b in Booking.objects.filter(pk__in=ids).exclude(note="").select_related("client")
    }
    return {
        "items": [
            {**item, "notes": [notes[pk] for pk in item.get("noted_bookings", ()) if pk in notes]} for item in items
        ]
    }


def register_private_data() -> None:
    """Called at app-ready time (bookings.apps)."""
    for kind in NEWS_KINDS:
        private_data.register(kind, note_of)
    private_data.register("practitioner_agenda", agenda_notes)


def booking_confirmed_for_instructor(booking: Booking) -> None:
    """The instructor's note of a booking whose client is told by another message (the waitlist's)."""
    send_all(_for_instructor(booking, "booked", f"booking:{booking.pk}:confirmed"))


# --- therapy requests -------------------------------------------------------------------


def therapy_requested(booking: Booking) -> None:
    """The client's request is in: the client is told it waits, the therapist is asked."""
    key = f"booking:{booking.pk}:requested"
    context = {**booking_context(booking), "answer_due_at": booking.respond_by.isoformat()}
    send_all(
        [
            Message(booking.client, "therapy_requested", context, key),
            *_for_therapist(booking, "requested", key),
        ]
    )


def payment_link(booking: Booking, *, pay_url: str) -> None:
    """An approved request waits for its payment: the client gets the link, and until when it is kept."""
    key = f"booking:{booking.pk}:payment-link:{booking.ics_sequence}"
    assert booking.hold_until is not None
    context = {**booking_context(booking), "pay_url": pay_url, "hold_until": booking.hold_until.isoformat()}
    send_all([Message(booking.client, "payment_link", context, key)])


def request_declined(booking: Booking, *, reason: str) -> None:
    """The client hears why; both calendars drop the tentative event (CANCEL)."""
    key = f"booking:{booking.pk}:declined"
    send_all(
        [
            Message(booking.client, "therapy_declined", {**booking_context(booking), "reason": reason}, key),
            *_for_therapist(booking, "declined", key),
        ]
    )


def request_expired(booking: Booking) -> None:
    """Nobody answered: the client is told; both calendars drop the tentative event (CANCEL)."""
    key = f"booking:{booking.pk}:expired"
    send_all(
        [
            Message(booking.client, "therapy_expired", booking_context(booking), key),
            *_for_therapist(booking, "expired", key),
        ]
    )


def times_proposed(booking: Booking, proposals) -> None:
    """Alternatives to a request, or a new time for a confirmed session: one click accepts."""
    base = settings.SITE_URL.rstrip("/")
    key = f"booking:{booking.pk}:proposed:{min(p.pk for p in proposals)}"
    context = {
        **booking_context(booking),
        "message": proposals[0].message,
        "is_request": booking.status == "requested",
        "times": [
            {
                "starts_at": p.starts_at.isoformat(),
                "ends_at": p.ends_at.isoformat(),
                "url": base + reverse("bookings:proposal", args=[p.pk]),
            }
            for p in proposals
        ],
    }
    send_all([Message(booking.client, "therapy_times_proposed", context, key)])
