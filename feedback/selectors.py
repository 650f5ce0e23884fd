"""Feedback as instructors, therapists and the owner read it; each sees only what their role allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import User
from bookings.models import Booking
from bookings.services import NotPermitted
from feedback.models import Feedback
from feedback.services import CAME, OPEN_FOR
from schedules.models import Practitioner

VIEW_ALL = "feedback.view_feedback"  # owners and managers
AWAITING_SHOWN = 5


@dataclass(frozen=True)
class Summary:
    count: int
    average: float | None


def _about(practitioner_id: int) -> Q:
    return Q(booking__class_session__instructor_id=practitioner_id) | Q(booking__practitioner_id=practitioner_id)


def _in(qs: QuerySet[Feedback], start: datetime | None, end: datetime | None) -> QuerySet[Feedback]:
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lt=end)
    return qs


def own_feedback(*, practitioner: Practitioner, actor: User, start=None, end=None) -> tuple[list[Feedback], Summary]:
    """An instructor's or therapist's feedback on their own classes and sessions, newest first,
    with its count and average. Nobody reads another practitioner's (NotPermitted), bar the owner."""
    if practitioner.user_id != actor.pk and not actor.has_perm(VIEW_ALL):
        raise NotPermitted("not your feedback")
    qs = _in(Feedback.objects.filter(_about(practitioner.pk)), start, end)
    totals = qs.aggregate(count=Count("pk"), average=Avg("rating"))
    rows = list(
        qs.select_related("booking__class_session__class_type", "booking__therapy_type", "booking__client")[:200]
    )
    return rows, Summary(totals["count"], totals["average"])


def averages(*, actor: User, start=None, end=None, location_id: int | None = None) -> list[dict]:
    """The owner's table: per practitioner and per class or therapy type, count and average (one query)."""
    if not actor.has_perm(VIEW_ALL):
        raise NotPermitted("owners only")
    qs = _in(Feedback.objects.all(), start, end)
    if location_id:
        qs = qs.filter(Q(booking__class_session__location_id=location_id) | Q(booking__location_id=location_id))
    qs = qs.annotate(
        who=Coalesce(F("booking__class_session__instructor__public_name"), F("booking__practitioner__public_name")),
        what=Coalesce(F("booking__class_session__class_type__title"), F("booking__therapy_type__title")),
    )
    rows = qs.values("who", "what").annotate(count=Count("pk"), average=Avg("rating")).order_by("who", "what")
    return [dict(row) for row in rows]


def awaiting_feedback(*, client: User, now: datetime) -> list[Booking]:
    """The client's recent sessions they came to and have not rated yet (one query), newest first."""
    since = now - OPEN_FOR
    return list(
        Booking.objects.filter(client=client, status__in=CAME)
        .filter(
            Q(class_session__ends_at__lte=now, class_session__ends_at__gt=since)
            | Q(ends_at__lte=now, ends_at__gt=since)
        )
        .filter(feedback__isnull=True)
        .with_what_and_where()
        .order_by("-class_session__ends_at", "-ends_at")[:AWAITING_SHOWN]
    )
