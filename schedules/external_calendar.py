"""Busy times from a therapist's own Google/Outlook calendar (a secret iCal address).

``sync`` fetches one therapist's calendar and replaces the stored spans in one
transaction; a failed fetch keeps the last good spans and records the problem, so
a calendar provider's bad minute never opens times the therapist is not free.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schedules import outbound
from schedules.ical_busy import CalendarReadError, busy_intervals
from schedules.models import ExternalBusyTime, TherapistSettings

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 5.0
DEADLINE_S = 15.0  # the whole exchange, redirects included
MAX_REDIRECTS = 3
PAST = timedelta(days=1)

# The one thing the therapist is told, whatever went wrong: which kind of failure it was
# (refused, timed out, TLS, an HTTP status) would map our network for whoever typed it.
UNREADABLE = _(
    "We couldn't read that calendar address. Copy the secret iCal address (https:// or webcal://) "
    "from your Google or Outlook calendar settings and paste it again."
)


def policy() -> outbound.Policy:
    """What fetching a calendar may do (deployment.md, "Outbound requests")."""
    return outbound.Policy(
        ports=frozenset(settings.EXTERNAL_CALENDAR_ALLOWED_PORTS),
        allow_private=settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE,
        max_bytes=MAX_BYTES,
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        deadline=DEADLINE_S,
        max_redirects=MAX_REDIRECTS,
        ca_bundle=settings.EXTERNAL_CALENDAR_CA_BUNDLE,
        headers={"Accept": "text/calendar"},
    )


def https(url: str) -> str:
    """Calendar apps hand out webcal:// addresses: they are https://."""
    return "https://" + url[len("webcal://") :] if url.startswith("webcal://") else url


def normalise_address(url: str) -> str:
    """The address as stored (webcal:// as https://, "" for none), or ValidationError if it is not https.

    Only the form of the address: whether we may fetch it is ``check_address``.
    """
    url = https((url or "").strip())
    if not url:
        return ""
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        raise ValidationError(_("Use the secret address that starts with https:// (or webcal://).")) from None
    return url


def check_address(url: str) -> None:
    """Refuse (outbound.Refused) an address we must not fetch: the form's check at save time."""
    outbound.check_url(https(url), policy=policy())


def fetch(url: str) -> bytes:
    """GET the calendar within the outbound rules; CalendarReadError (with the detail) otherwise."""
    try:
        return outbound.get(https(url), policy=policy())
    except outbound.OutboundError as exc:
        raise CalendarReadError(str(exc)) from None


def sync(cfg: TherapistSettings, *, now: datetime | None = None) -> int:
    """Read the therapist's calendar and store its busy spans for the booking window. Returns how many."""
    now = now or timezone.now()
    start, end = now - PAST, now + timedelta(days=cfg.booking_window_days + 1)
    try:
        spans = busy_intervals(fetch(cfg.external_calendar_url), start=start, end=end, zone=cfg.zone)
    except CalendarReadError as exc:
        # The detail stays here (the log, and the row for staff); the therapist's page says UNREADABLE.
        log.warning("External calendar of therapist %s not read: %s", cfg.practitioner_id, exc)
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
