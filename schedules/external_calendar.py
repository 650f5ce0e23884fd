"""Busy times from a therapist's own Google/Outlook calendar (a secret iCal address).

``sync`` fetches one therapist's calendar and replaces the stored spans in one
transaction; a failed fetch keeps the last good spans and records the problem, so
a calendar provider's bad minute never opens times the therapist is not free.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from django.db import transaction
from django.utils import timezone

from schedules.ical_busy import CalendarReadError, busy_intervals
from schedules.models import ExternalBusyTime, TherapistSettings

log = logging.getLogger(__name__)

FETCH_TIMEOUT_S = 15
MAX_BYTES = 5 * 1024 * 1024
PAST = timedelta(days=1)


def fetch(url: str) -> bytes:
    """GET the calendar (webcal:// is https://), refusing huge or non-calendar answers."""
    if url.startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    try:
        response = requests.get(url, timeout=FETCH_TIMEOUT_S, stream=True, headers={"Accept": "text/calendar"})
    except requests.RequestException as exc:
        raise CalendarReadError(f"Could not reach the calendar: {exc.__class__.__name__}") from None
    with response:
        if response.status_code != 200:
            raise CalendarReadError(f"The calendar address answered {response.status_code}.")
        body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    if len(body) > MAX_BYTES:
        raise CalendarReadError("The calendar is larger than 5 MB.")
    return body


def sync(cfg: TherapistSettings, *, now: datetime | None = None) -> int:
    """Read the therapist's calendar and store its busy spans for the booking window. Returns how many."""
    now = now or timezone.now()
    start, end = now - PAST, now + timedelta(days=cfg.booking_window_days + 1)
    try:
        spans = busy_intervals(fetch(cfg.external_calendar_url), start=start, end=end, zone=cfg.zone)
    except CalendarReadError as exc:
        log.info("External calendar of therapist %s: %s", cfg.practitioner_id, exc)
        TherapistSettings.objects.filter(pk=cfg.pk).update(external_sync_error=str(exc)[:255])
        return 0
    with transaction.atomic():
        ExternalBusyTime.objects.filter(practitioner_id=cfg.practitioner_id).delete()
        ExternalBusyTime.objects.bulk_create(
            ExternalBusyTime(practitioner_id=cfg.practitioner_id, starts_at=s.start, ends_at=s.end) for s in spans
        )
        TherapistSettings.objects.filter(pk=cfg.pk).update(external_synced_at=now, external_sync_error="")
    return len(spans)


def sync_all(*, now: datetime | None = None) -> int:
    """Every therapist who linked a calendar (beat task); one bad calendar does not stop the rest."""
    total = 0
    for cfg in TherapistSettings.objects.exclude(external_calendar_url=""):
        total += sync(cfg, now=now)
    return total


def forget(practitioner_id: int) -> None:
    """The therapist removed the address: their imported busy times go too."""
    ExternalBusyTime.objects.filter(practitioner_id=practitioner_id).delete()
    TherapistSettings.objects.filter(pk=practitioner_id).update(external_synced_at=None, external_sync_error="")
