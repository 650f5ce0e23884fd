"""A therapist's setup: booking settings and weekly hours, read and written in one place.

``save_therapist_setup`` is the one write path: the therapist's "Hours & settings" page
and the Practitioner admin (its settings and weekly-hours inlines) both call it, so both
get the same checks (who may, the calendar address may be fetched, hours do not overlap),
one transaction under the therapist's settings row lock (the first lock of the project's
lock order, docs/architecture.md), and the same calendar step: a new or changed address
is read after the commit, a removed or replaced one takes its imported busy times along.

Reads never write: ``settings_for`` answers with the studio defaults (unsaved) for a
therapist who has no row yet; the row is made by the first write or lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from schedules import external_calendar, outbound, therapist_calendar
from schedules.models import Practitioner, TherapistSettings
from schedules.tasks import sync_external_calendar
from schedules.therapist_calendar import HoursRange

log = logging.getLogger(__name__)

# The key of weekly-hours errors in the ValidationError the service raises (the other keys
# are settings fields): the page and the admin show it on the hours formset.
HOURS = "hours"

CHANGE_SETTINGS = "schedules.change_therapistsettings"
CHANGE_HOURS = "schedules.change_availabilityrule"

# What a caller may set, in the order the therapist's page shows them; the sync fields are
# the calendar reader's own.
SETTINGS_FIELDS = (
    "time_zone",
    "approval",
    "firm_min_hours_ahead",
    "response_hours",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_hours",
    "booking_window_days",
    "max_per_day",
    "max_per_week",
    "slot_step_minutes",
    "external_calendar_url",
)


class NotPermitted(PermissionDenied):
    """Someone else's setup, without the role to change it: a 403, never a change."""


# --- reading and locking the row ---------------------------------------------------------


def default_zone(practitioner: Practitioner | int) -> str:
    """A new row's zone: the therapist's own (when their user is at hand), else the studio's."""
    user_zone = getattr(getattr(practitioner, "user", None), "time_zone", None)
    return str(user_zone or settings.DEFAULT_VIEWER_TIME_ZONE)


def _pk(practitioner: Practitioner | int) -> int:
    return practitioner.pk if isinstance(practitioner, Practitioner) else practitioner


def settings_for(practitioner: Practitioner | int) -> TherapistSettings:
    """The therapist's settings; the studio defaults (not saved) when they have no row yet. One query."""
    pk = _pk(practitioner)
    found = TherapistSettings.objects.filter(practitioner_id=pk).first()
    return found or TherapistSettings(practitioner_id=pk, time_zone=default_zone(practitioner))


def ensure_settings(practitioner: Practitioner | int) -> None:
    """Make the row if it is missing (so it can be locked); a concurrent maker is no error."""
    pk = _pk(practitioner)
    if not TherapistSettings.objects.filter(practitioner_id=pk).exists():
        TherapistSettings.objects.bulk_create(
            [TherapistSettings(practitioner_id=pk, time_zone=default_zone(practitioner))], ignore_conflicts=True
        )


def lock_settings(practitioner: Practitioner | int) -> TherapistSettings:
    """The therapist's settings row, locked (made first if missing). Inside a transaction."""
    pk = _pk(practitioner)
    found = TherapistSettings.objects.select_for_update().filter(practitioner_id=pk).first()
    if found is None:
        ensure_settings(practitioner)
        found = TherapistSettings.objects.select_for_update().get(practitioner_id=pk)
    return found


# --- who may, and what is refused ------------------------------------------------------------


def check_may_edit(actor: User | None, practitioner: Practitioner, *, settings_: bool, hours: bool) -> None:
    """The therapist themself, staff whose role changes what is being changed, or the system (None)."""
    if actor is None or (practitioner.user_id is not None and actor.pk == practitioner.user_id):
        return
    needed = [perm for perm, wanted in ((CHANGE_SETTINGS, settings_), (CHANGE_HOURS, hours)) if wanted]
    if not actor.is_authenticated or not actor.has_perms(needed):
        raise NotPermitted(_("You may not change this therapist's hours or settings."))


def check_calendar_address(url: str, *, stored: str) -> str:
    """The address to store, or ValidationError with the one message the therapist is shown.

    A new address is looked up now (the same outbound rules as every read), for a clear
    answer at save time; an unchanged one is not, so a DNS hiccup never stops a therapist
    saving their hours (every read checks it again anyway).
    """
    url = external_calendar.normalise_address(url)
    if url and url != stored:
        try:
            external_calendar.check_address(url)
        except outbound.Refused as exc:
            log.info("Calendar address refused at save: %s", exc)
            raise ValidationError(external_calendar.UNREADABLE) from None
    return url


@dataclass(frozen=True)
class Checked:
    """What passed the checks, ready to write."""

    settings: dict[str, Any] | None
    hours: list[HoursRange] | None


def check_setup(
    *,
    practitioner: Practitioner,
    settings_data: Mapping[str, Any] | None,
    hours: Iterable[HoursRange] | None,
) -> Checked:
    """Every refusal at once, keyed by field (``HOURS`` for the weekly hours). No lock, no write.

    The admin calls it from its formsets' ``clean`` (to show the errors on the form); the
    service calls it again, so no caller can skip it.
    """
    errors: dict[str, list[str]] = {}
    data = None
    if settings_data is not None:
        data = dict(settings_data)
        unknown = set(data) - set(SETTINGS_FIELDS)
        if unknown:
            raise TypeError(f"Not a setting a caller may set: {sorted(unknown)}")
        current = settings_for(practitioner)
        if "external_calendar_url" in data:
            try:
                data["external_calendar_url"] = check_calendar_address(
                    data["external_calendar_url"] or "", stored=current.external_calendar_url
                )
            except ValidationError as exc:
                errors["external_calendar_url"] = exc.messages
        probe = TherapistSettings(practitioner_id=practitioner.pk, **(_values(current) | data))
        try:
            probe.clean_fields(exclude=[f for f in _field_names() if f not in data or f in errors])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    ranges = None
    if hours is not None:
        try:
            ranges = therapist_calendar.check_weekly_hours(hours)
        except ValidationError as exc:
            errors[HOURS] = exc.messages
    if errors:
        raise ValidationError(errors)
    return Checked(settings=data, hours=ranges)


def _field_names() -> list[str]:
    return [f.name for f in TherapistSettings._meta.concrete_fields]


def _values(cfg: TherapistSettings) -> dict[str, Any]:
    return {name: getattr(cfg, name) for name in SETTINGS_FIELDS}


# --- the one write ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupSaved:
    settings: TherapistSettings
    calendar_read: bool  # a new address: read after the commit
    calendar_forgotten: bool  # the old address's busy times were deleted


def save_therapist_setup(
    *,
    practitioner: Practitioner,
    settings_data: Mapping[str, Any] | None = None,
    hours: Iterable[HoursRange] | None = None,
    actor: User | None,
) -> SetupSaved:
    """Save a therapist's settings and/or weekly hours (None: leave as they are), all or nothing.

    Checks who may (``check_may_edit``) and what is refused (``check_setup``: a
    ValidationError keyed by field, ``HOURS`` for the hours) before taking the therapist's
    settings row lock, so a slow DNS answer never holds up their bookings; then locks the
    row, writes settings and hours in one transaction, and handles the calendar address: a
    removed or replaced one takes its imported busy times along at once, a new one is read
    by the sync task after the commit.
    """
    check_may_edit(actor, practitioner, settings_=settings_data is not None, hours=hours is not None)
    checked = check_setup(practitioner=practitioner, settings_data=settings_data, hours=hours)
    with transaction.atomic():
        cfg = lock_settings(practitioner)
        stored_url = cfg.external_calendar_url
        if checked.settings is not None:
            for field, value in checked.settings.items():
                setattr(cfg, field, value)
            cfg.save(update_fields=sorted(checked.settings))
        if checked.hours is not None:
            therapist_calendar.replace_weekly_hours(practitioner=practitioner, ranges=checked.hours)
        changed = cfg.external_calendar_url != stored_url
        forgotten = bool(changed and stored_url)
        if forgotten:
            external_calendar.forget(cfg.pk)
        read = bool(changed and cfg.external_calendar_url)
        if read:
            pk = cfg.pk
            transaction.on_commit(lambda: sync_external_calendar.delay(pk))
    return SetupSaved(settings=cfg, calendar_read=read, calendar_forgotten=forgotten)


def show_errors(exc: ValidationError, *, settings_form, hours_formset) -> None:
    """Put the service's refusals where the page or the admin shows them."""
    for field, messages in exc.message_dict.items():
        if field == HOURS:
            hours_formset._non_form_errors = hours_formset.error_class(
                [*hours_formset.non_form_errors(), *messages], error_class="nonform"
            )
        elif settings_form is not None:
            settings_form.add_error(
                field if field in settings_form.fields and field != NON_FIELD_ERRORS else None, messages
            )
