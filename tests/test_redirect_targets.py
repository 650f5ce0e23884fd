"""A ``next`` from a request never sends a visitor off the site (an open redirect).

Our views read a redirect target from the request only through ``config.params.safe_next``:
the source is searched for any other way (``request.POST.get("next")``, ``HTTP_REFERER``,
``redirect(request.…)``, ``return_to``), and every view that calls ``safe_next`` must have
a case below, so a new one cannot slip past. The views of allauth and Django that our pages
send a ``next`` to (log-in, log-out, sign-up, language) are checked the same way.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from bookings import services as booking_services
from tests.bookings.conftest import upcoming_class
from tests.factories import PASSWORD, UserFactory
from waitlist import services as waitlist_services

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]
APPS = ("accounts", "schedules", "bookings", "waitlist", "notifications", "privacy", "config")
EVIL = ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "///evil.example/"]
LOCAL = "/classes/?week=2026-06-08"
# Any way of reading a redirect target from a request other than safe_next.
RAW_READ = re.compile(
    r"""(?:GET|POST|REQUEST|data)(?:\.get\(|\[)\s*["'](?:next|return_to|redirect_to)["']|HTTP_REFERER|"""
    r"""headers\[?\.?(?:get\()?["']Referer|redirect\(\s*request\."""
)


def _source_files() -> list[Path]:
    return [p for app in APPS for p in (REPO / app).rglob("*.py") if "migrations" not in p.parts]


def _views_calling_safe_next() -> set[str]:
    """module.function of every function in our apps that calls safe_next (config.params itself aside)."""
    found: set[str] = set()
    for path in _source_files():
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        if module == "config.params":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                calls = {
                    (c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", ""))
                    for c in ast.walk(node)
                    if isinstance(c, ast.Call)
                }
                if "safe_next" in calls:
                    found.add(f"{module}.{node.name}")
    return found


# --- the views ------------------------------------------------------------------------------------


@dataclass
class Case:
    """How to make a view read ``next``: log in as whom, then send what."""

    send: Callable[[Client, str], object]  # (logged-in client, next) -> response


def _leave_waitlist(client: Client, target: str):
    user = UserFactory()
    session = upcoming_class(capacity=1)
    booking_services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)
    entry = waitlist_services.join_waitlist(client=user, session_id=session.pk, party_size=1)
    client.force_login(user)
    return client.post(reverse("waitlist:leave", args=[entry.pk]), {"next": target})


def _log_in(client: Client, target: str):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD, "next": target})


def _log_out(client: Client, target: str):
    client.force_login(UserFactory())
    return client.post(reverse("account_logout"), {"next": target})


def _set_language(client: Client, target: str):
    return client.post(reverse("set_language"), {"language": "es", "next": target})


OURS = {"waitlist.views.leave": Case(_leave_waitlist)}
THEIRS = {
    "allauth log-in": Case(_log_in),
    "allauth log-out": Case(_log_out),
    "Django set_language": Case(_set_language),
}
CASES = {**OURS, **THEIRS}


def test_no_view_reads_a_redirect_target_but_through_safe_next():
    raw = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in _source_files()
        if path.relative_to(REPO).as_posix() != "config/params.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if RAW_READ.search(line)
    ]
    assert not raw, "read the target with config.params.safe_next:\n" + "\n".join(raw)


def test_every_view_that_reads_next_is_checked_here():
    assert _views_calling_safe_next() == set(OURS)


def _location(response) -> str:
    assert response.status_code in (301, 302, 303), response.status_code
    return response["Location"]


@pytest.mark.parametrize("target", EVIL)
@pytest.mark.parametrize("view", sorted(CASES))
def test_a_next_off_the_site_is_refused(client, view, target):
    location = _location(CASES[view].send(client, target))
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location
    assert "evil.example" not in location and not location.lower().startswith("javascript:")


@pytest.mark.parametrize("view", sorted(CASES))
def test_a_next_on_the_site_is_followed(client, view):
    assert _location(CASES[view].send(client, LOCAL)) == LOCAL
