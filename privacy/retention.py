"""Retention: what is past the period the practice keeps it is removed by a daily beat task.

Therapists' session notes older than PRIVACY_NOTE_RETENTION_YEARS (counted from the
session's start) are emptied; 0, the default, keeps them (a practice decides its own
period, often set by its professional body). Data exports whose link has expired lose
their ZIP. Each run logs what it removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from bookings.models import Booking
from privacy.models import DataExport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purged:
    notes: int
    exports: int


def purge(*, now: datetime | None = None) -> Purged:
    now = now or timezone.now()
    years = settings.PRIVACY_NOTE_RETENTION_YEARS
    notes = 0
    if years > 0:
        cutoff = now - timedelta(days=round(365.25 * years))
        notes = (
            Booking.objects.filter(therapy_type__isnull=False, starts_at__lt=cutoff)
            .exclude(therapist_note="")
            .update(therapist_note="", updated_at=now)
        )
    expired = now - timedelta(hours=settings.PRIVACY_EXPORT_LINK_HOURS)
    exports = DataExport.objects.filter(ready_at__lt=expired, archive__isnull=False).update(archive=None)
    log.info("retention: %d session note(s) purged, %d expired export(s) emptied", notes, exports)
    return Purged(notes=notes, exports=exports)
