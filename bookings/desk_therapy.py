"""Reads for booking a therapy time at the desk: the day's free times, the override's extra ones.

The desk books through ``services.book_therapy`` like the client's page; this module only
lists the times to choose from, with the same slot engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.permissions import may_book_for_clients
from schedules.models import Practitioner, TherapistSettings, TherapyType
from schedules.slots import slots_for


@dataclass(frozen=True)
class DeskTime:
    """A therapy time the desk may offer; ``past_rules``: inside the therapist's notice (needs a reason)."""

    start: datetime
    end: datetime
    practitioner: Practitioner
    past_rules: bool


def desk_therapy_times(
    *,
    viewer: User,
    kind: TherapyType,
    minutes: int,
    therapists: list[Practitioner],
    day: date,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> list[DeskTime]:
    """The free times of one local day for a phone or walk-in booking, earliest first.

    Two computations by the same slot engine as the client's page: the times a client
    could book now, and those a staff override adds (inside the notice, not yet begun).
    """
    if not may_book_for_clients(viewer):
        raise PermissionDenied(_("Your role does not book for clients."))
    now = now or timezone.now()
    by_pk = {t.pk: t for t in therapists}
    ids = list(by_pk)

    def free(at: datetime):
        return slots_for(
            kind,
            minutes=minutes,
            practitioner_ids=ids,
            first_day=day - timedelta(days=1),
            last_day=day + timedelta(days=1),
            now=at,
        )

    bookable = {(t.practitioner_id, s.start) for t in free(now) for s in t.slots}
    # The longest notice among them (a therapist without settings has the default's).
    notices = TherapistSettings.objects.filter(practitioner_id__in=ids).values_list("min_notice_hours", flat=True)
    notice = max([*notices, TherapistSettings._meta.get_field("min_notice_hours").get_default()])
    earlier = now - timedelta(hours=notice)
    times = [
        DeskTime(s.start, s.end, by_pk[t.practitioner_id], (t.practitioner_id, s.start) not in bookable)
        for t in free(earlier)
        for s in t.slots
        if s.start > now and timezone.localtime(s.start, zone).date() == day
    ]
    return sorted(times, key=lambda t: (t.start, t.practitioner.public_name))
