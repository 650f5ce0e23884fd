"""Every formset of ours caps the forms one POST can make it build, and every form fits the field limit.

Django's default cap (``absolute_max``) is max_num + 1,000, so a forged ``TOTAL_FORMS``
builds, validates and renders up to 2,000 forms. The tests find the formsets themselves
(the source for every ``*formset_factory(...)`` call, the modules for every formset
class, the admin registry for every inline), so a new one cannot slip in without a cap.
"""

from __future__ import annotations

import ast
import html
import importlib
import pkgutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.forms import BaseFormSet
from django.test import RequestFactory
from django.urls import reverse

from bookings import services
from bookings.models import Booking
from bookings.therapy_forms import HOURS_MAX_ROWS, HoursFormSet, TherapistSettingsForm
from schedules.admin_limits import BoundedInline
from schedules.models import AvailabilityRule, Practitioner
from tests.bookings.conftest import upcoming_class
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    TherapistFactory,
    TherapistSettingsFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "bookings", "config", "notifications", "privacy", "schedules", "waitlist"]
CEILING = 100  # no formset of ours may build more forms than this from one POST
FACTORIES = {"formset_factory", "modelformset_factory", "inlineformset_factory", "generic_inlineformset_factory"}


def _sources() -> list[Path]:
    return [p for app in APPS for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def _modules() -> list:
    found = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" not in info.name:
                found.append(importlib.import_module(info.name))
    return found


def _superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True)
    return request


# --- the formsets of the pages ------------------------------------------------------------------


def test_every_formset_factory_call_sets_absolute_max_max_num_and_validate_max():
    calls = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in FACTORIES:
                    given = {k.arg for k in node.keywords}
                    calls.append(
                        (f"{path.relative_to(ROOT)}:{node.lineno}", {"absolute_max", "max_num", "validate_max"} - given)
                    )
    assert calls, "no formset_factory call found: the scan is broken"
    assert [(where, sorted(missing)) for where, missing in calls if missing] == []


def test_every_formset_class_in_the_apps_has_a_low_cap():
    formsets = {
        f"{module.__name__}.{name}": value
        for module in _modules()
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, BaseFormSet) and "form" in vars(value)
    }
    assert HoursFormSet in formsets.values()
    too_loose = {
        name: (fs.max_num, fs.absolute_max, fs.validate_max)
        for name, fs in formsets.items()
        if not (fs.validate_max and fs.max_num <= fs.absolute_max <= CEILING)
    }
    assert too_loose == {}


def test_the_hours_page_at_its_largest_fits_in_the_field_limit():
    per_row = len(HoursFormSet.form.base_fields) + 1  # and "Delete"
    fields = HOURS_MAX_ROWS * per_row + 4 + len(TherapistSettingsForm.base_fields) + 1  # management, settings, CSRF
    assert fields <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS


# --- the admin's inlines --------------------------------------------------------------------------


def _inlines():
    for model, model_admin in admin.site._registry.items():
        for inline_class in model_admin.inlines:
            yield model, model_admin, inline_class


def test_every_admin_inline_is_bounded():
    inlines = list(_inlines())
    assert inlines, "no inline found: the registry scan is broken"
    unbounded = [f"{model.__name__}: {cls.__name__}" for model, _, cls in inlines if not issubclass(cls, BoundedInline)]
    assert unbounded == []
    request = _superuser_request()
    caps = {cls.__name__: cls(model, admin.site).get_formset(request, None).absolute_max for model, _, cls in inlines}
    assert {name: cap for name, cap in caps.items() if cap > CEILING} == {}


def test_every_admin_page_with_full_inlines_fits_in_the_field_limit():
    request = _superuser_request()
    too_big = {}
    for model, model_admin in admin.site._registry.items():
        inlines = model_admin.get_inline_instances(request, None)
        if not inlines:
            continue
        fields = len(model_admin.get_form(request, None).base_fields) + 5  # CSRF and the save buttons
        for inline in inlines:
            formset = inline.get_formset(request, None)
            per_row = len(formset.form.base_fields) + 2 + int(formset.can_delete)  # id, parent key, "Delete"
            fields += formset.absolute_max * per_row + 4
        if fields > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
            too_big[model.__name__] = fields
    assert too_big == {}


class _FormFields(HTMLParser):
    """What a browser submits from one form of a page: inputs, checked boxes, selected options, text areas."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] = [self.data[self._textarea][0] + data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _change_form(client, obj) -> dict:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    parser = _FormFields(f"{obj._meta.model_name}_form")
    parser.feed(client.get(url).content.decode())
    assert parser.data, "the admin change form was not found"
    return url, parser.data


@pytest.fixture
def therapist() -> Practitioner:
    location = LocationFactory()
    therapist = TherapistFactory()
    TherapistSettingsFactory(practitioner=therapist)
    for weekday in range(5):
        AvailabilityRuleFactory(practitioner=therapist, weekday=weekday, location=location)
    return therapist


@pytest.mark.django_db
def test_a_forged_row_count_on_an_admin_inline_is_refused_at_once(admin_client, therapist):
    url, data = _change_form(admin_client, therapist)
    prefix = AvailabilityRule._meta.get_field("practitioner").remote_field.get_accessor_name()
    assert admin_client.post(url, data).status_code == 302  # the form as the page sent it saves
    before = AvailabilityRule.objects.filter(practitioner=therapist).count()

    started = time.monotonic()
    response = admin_client.post(url, {**data, f"{prefix}-TOTAL_FORMS": "100000"})
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert "Please submit at most 50 forms." in html.unescape(response.content.decode())
    assert elapsed < 5.0
    assert AvailabilityRule.objects.filter(practitioner=therapist).count() == before


@pytest.mark.django_db
def test_a_history_inline_shows_and_saves_every_row_but_builds_no_more():
    """Events are never capped below what exists (the page must still save), and never above it."""
    booking = services.book_class(client=UserFactory(), session_id=upcoming_class().pk, quantity=1)
    services.cancel_booking(booking=booking, actor=None, reason="plans changed")
    events = booking.events.count()
    assert events == 2
    booking = Booking.objects.get(pk=booking.pk)
    model_admin = admin.site._registry[Booking]
    request = _superuser_request()
    inline = next(i for i in model_admin.get_inline_instances(request, booking) if i.model.__name__ == "BookingEvent")
    formset_class = inline.get_formset(request, booking)
    assert formset_class.absolute_max == events
    prefix = formset_class.get_default_prefix()
    management = {
        f"{prefix}-INITIAL_FORMS": str(events),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "0",
    }
    ids = {f"{prefix}-{i}-id": str(e.pk) for i, e in enumerate(booking.events.order_by("pk"))}

    as_shown = formset_class({**management, **ids, f"{prefix}-TOTAL_FORMS": str(events)}, instance=booking)
    forged = formset_class({**management, **ids, f"{prefix}-TOTAL_FORMS": "100000"}, instance=booking)

    assert as_shown.is_valid(), as_shown.non_form_errors()
    assert not forged.is_valid() and len(forged.forms) == events


# --- the field limit itself --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_with_more_fields_than_the_limit_gets_the_400_page(client, therapist):
    client.force_login(therapist.user)
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("bookings:therapist_availability"), fields)
    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()
