"""Asking for feedback after a session, and taking it: one request and one answer per booking."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.messages import booking_context
from bookings.models import Booking, BookingStatus
from bookings.services import BookingError, NotPermitted
from feedback.models import Feedback
from notifications.models import Notification
from notifications.services import Message, notify_many

CAME = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)  # not no-shows, not cancelled
ASK_WITHIN = timedelta(days=2)  # a sweep that was down longer does not ask about old sessions
OPEN_FOR = timedelta(days=30)  # how long after the session a client may still answer


def _request_key():
    """The in-app row's key of a booking's feedback request, as SQL (see feedback_request_message)."""
    return Concat(
        Value("booking:"), Cast(OuterRef("pk"), CharField()), Value(":feedback:inapp"), output_field=CharField()
    )


def feedback_request_message(booking: Booking) -> Message:
    context = booking_context(booking)
    context["feedback_url"] = settings.SITE_URL.rstrip("/") + reverse("feedback:give", args=[booking.reference])
    return Message(booking.client, "feedback_request", context, f"booking:{booking.pk}:feedback")


def request_due_feedback(*, now: datetime | None = None) -> int:
    """Queue a feedback request for every booking whose session ended FEEDBACK_AFTER_MINUTES ago
    (the beat task); returns how many were new. Exactly once per booking, however often or
    concurrently it runs (the outbox's de-duplication key); off when the setting is 0."""
    minutes = settings.FEEDBACK_AFTER_MINUTES
    if not minutes:
        return 0
    now = now or timezone.now()
    latest = now - timedelta(minutes=minutes)
    earliest = latest - ASK_WITHIN
    due = (
        Booking.objects.filter(status__in=CAME)
        .filter(
            Q(class_session__ends_at__lte=latest, class_session__ends_at__gt=earliest)
            | Q(ends_at__lte=latest, ends_at__gt=earliest)
        )
        .exclude(Exists(Notification.objects.filter(dedupe_key=_request_key())))
        .exclude(Exists(Feedback.objects.filter(booking=OuterRef("pk"))))
        .with_what_and_where()
        .select_related("client")
        .order_by("pk")
    )
    batch = [feedback_request_message(b) for b in due]
    if not batch:
        return 0
    with transaction.atomic():
        return notify_many(batch)


def check_may_give(booking: Booking, client: User, now: datetime) -> None:
    """Only the booking's own client, after a session they came to, within OPEN_FOR."""
    if booking.client_id != client.pk:
        raise NotPermitted(_("This is not your booking."))
    if booking.status not in CAME or booking.end > now:
        raise BookingError(_("You can give feedback once you have been to the session."))
    if now - booking.end > OPEN_FOR:
        raise BookingError(_("Feedback for this session has closed."))


def leave_feedback(*, booking: Booking, client: User, rating: int, comment: str = "", now=None) -> Feedback:
    """Save the client's rating (1-5) and comment, once per booking."""
    now = now or timezone.now()
    check_may_give(booking, client, now)
    if not 1 <= rating <= 5:
        raise BookingError(_("Choose a rating from 1 to 5."))
    try:
        with transaction.atomic():
            return Feedback.objects.create(booking=booking, rating=rating, comment=comment.strip()[:2000])
    except IntegrityError:
        raise BookingError(_("You have already given feedback for this session. Thank you!")) from None
