"""The headers every response carries: the content policy, the permissions policy and,
for pages that belong to one person, no caching.

The browser test (tests/e2e/test_content_security_policy.py) proves the policy breaks no
page in Chromium; here are the headers themselves, and a scan of the page templates for
what the policy would refuse (inline scripts, style elements and attributes, inline
event handlers), which also covers the pages no browser test opens.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import PractitionerFactory, TherapistSettingsFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'", "https://checkout.stripe.com"],  # a booking paid online goes on to Stripe
    "frame-ancestors": ["'none'"],
}


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


# --- Content-Security-Policy and Permissions-Policy -------------------------------------


@pytest.mark.parametrize("path", ["/classes/", "/accounts/login/", "/no-such-page/", "/admin/login/"])
def test_every_page_sends_the_strict_content_security_policy(client, path):
    response = client.get(path)

    assert directives(response["Content-Security-Policy"]) == STRICT_POLICY


def test_the_permissions_policy_allows_no_device_or_payment_api(client):
    response = client.get("/classes/")

    policy = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()", (feature, response["Permissions-Policy"])


# --- Cache-Control -------------------------------------------------------------------------


def _signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/bookings/", "/accounts/profile/", "/messages/", "/classes/", "/teachers/"])
def test_a_signed_in_clients_pages_are_private_and_never_stored(client, path):
    _signed_in(client, UserFactory())

    response = client.get(path)

    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response), response.get("Cache-Control")


def test_a_therapists_session_pages_are_never_stored(client):
    therapist = TherapistSettingsFactory().practitioner
    _signed_in(client, therapist.user)

    for path in ("/therapist/sessions/", "/therapist/", "/therapist/requests/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert {"private", "no-store"} <= cache_control(response), (path, response.get("Cache-Control"))


def test_an_instructors_pages_are_never_stored(client):
    _signed_in(client, PractitionerFactory().user)

    response = client.get("/instructor/")

    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)


def test_account_pages_are_never_stored_even_before_log_in(client):
    # The e-mail confirmation and password-reset pages show an address or carry a key.
    for path in ("/accounts/login/", "/accounts/password/reset/", "/accounts/signup/"):
        response = client.get(path)
        assert {"private", "no-store"} <= cache_control(response), (path, response.get("Cache-Control"))


def test_the_public_timetable_stays_cacheable_for_anonymous_visitors(client):
    for path in ("/classes/", "/teachers/", "/therapy/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" not in cache_control(response), path


def test_static_files_stay_cacheable_for_signed_in_users(client, settings):
    # whitenoise answers above the middleware; finders stand in for collectstatic here.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    _signed_in(client, UserFactory())

    response = client.get("/static/css/shala.css")

    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
    assert any(part.startswith("max-age=") and part != "max-age=0" for part in cache_control(response))


# --- what the policy refuses, in the page templates -------------------------------------------


def _page_templates() -> list[Path]:
    """Every template a browser renders; e-mail bodies (notifications/<kind>/) are not pages."""
    pages = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES)
        if relative.parts[0] == "notifications" and (len(relative.parts) > 2 or relative.name == "_email_base.html"):
            continue
        pages.append(path)
    return pages


REFUSED = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_page_template_has_what_the_policy_refuses():
    pages = _page_templates()
    assert len(pages) > 50, "the scan found too few templates to be looking in the right place"
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}: {match.group(0)!r}"
        for path in pages
        for what, pattern in REFUSED.items()
        for match in pattern.finditer(path.read_text())
    ]
    assert not found, "\n".join(found)
