"""Retention: old session notes are purged only when the practice set a period; counts are logged."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from privacy import retention
from privacy.models import DataExport
from tests.privacy.conftest import NOTE_TEXT

pytestmark = pytest.mark.django_db


def _age(booking, years: float) -> None:
    starts = timezone.now() - timedelta(days=round(365.25 * years))
    Booking.objects.filter(pk=booking.pk).update(starts_at=starts, ends_at=starts + timedelta(hours=1))


def test_it_keeps_every_note_by_default(studio):
    _age(studio["therapy"], 30)
    assert retention.purge().notes == 0
    assert Booking.objects.get(pk=studio["therapy"].pk).therapist_note == NOTE_TEXT


def test_it_purges_notes_older_than_the_period_and_logs_the_count(studio, settings, caplog):
    settings.PRIVACY_NOTE_RETENTION_YEARS = 5
    _age(studio["therapy"], 5.01)
    young = Booking.objects.filter(pk=studio["class_booking"].pk)  # a class booking: no note to purge
    caplog.set_level(logging.INFO, logger="privacy.retention")
    assert retention.purge().notes == 1
    assert Booking.objects.get(pk=studio["therapy"].pk).therapist_note == ""
    assert young.exists()
    assert "1 session note(s) purged" in caplog.text
    assert retention.purge().notes == 0  # idempotent


def test_a_note_inside_the_period_stays(studio, settings):
    settings.PRIVACY_NOTE_RETENTION_YEARS = 5
    _age(studio["therapy"], 4.99)
    assert retention.purge().notes == 0
    assert Booking.objects.get(pk=studio["therapy"].pk).therapist_note == NOTE_TEXT


def test_an_expired_exports_file_is_emptied(studio, settings):
    old = DataExport.objects.create(
        client=studio["client"],
        state="ready",
        archive=b"zip",
        ready_at=timezone.now() - timedelta(hours=settings.PRIVACY_EXPORT_LINK_HOURS, minutes=1),
    )
    fresh = DataExport.objects.create(client=studio["client"], state="ready", archive=b"zip", ready_at=timezone.now())
    assert retention.purge().exports == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.archive, bytes(fresh.archive)) == (None, b"zip")
