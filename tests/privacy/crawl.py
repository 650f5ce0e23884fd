"""Every page of the site, as every staff role, with a seeded note: which ones show it unlogged.

Generated from the URL map, not from a list: each pattern's parameters are filled from
the seeded studio by name (a booking reference, a client, a class session), or by
converter for a name it does not know; admin pages are reached through the admin's
registry (every changelist, and the change page of each seeded object). A page whose
answer contains the seeded intake or note text must have written an access row for that
viewer during that request. POSTs (as a reason form would send) run in a savepoint that
is rolled back, so one page's side effects never reach the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from privacy.models import AccessLogEntry
from tests.privacy.conftest import INTAKE_TEXT, NOTE_TEXT

VIEWERS = ("owner", "desk", "instructor", "therapist")
REASON = {"reason": "Checking every page shows therapy data only with a log row"}


class _Rollback(Exception):
    pass


@dataclass
class Finding:
    url: str
    method: str
    viewer: str
    logged: bool


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, dict]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if ns == "admin:":
                continue  # through the registry below: its patterns want real objects
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters if isinstance(entry.pattern, RoutePattern) else {}
            yield namespace + entry.name, prefix + str(entry.pattern), converters


def _value(name: str, converter, studio: dict):
    by_name = {
        "reference": studio["therapy"].reference,
        "client_id": studio["client"].pk,
        "user_id": studio["client"].pk,
        "session_id": studio["session"].pk,
        "booking_id": studio["therapy"].pk,
        "slug": studio["kind"].slug,
    }
    if name in by_name:
        return by_name[name]
    kind = type(converter).__name__
    return studio["therapy"].pk if kind == "IntConverter" else studio["therapy"].reference


def site_urls(studio: dict) -> list[str]:
    urls = []
    for name, _route, converters in _patterns(get_resolver()):
        kwargs = {k: _value(k, c, studio) for k, c in converters.items()}
        try:
            urls.append(reverse(name, kwargs=kwargs))
        except Exception:  # a pattern this studio cannot fill (e.g. a regex): reported by the caller
            continue
    return sorted(set(urls))


def admin_urls(studio: dict) -> list[str]:
    urls = []
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for obj in model._default_manager.all()[:3]:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    return sorted(set(urls))


def _shows_therapy_data(content: bytes) -> bool:
    text = content.decode(errors="replace")
    return INTAKE_TEXT in text or NOTE_TEXT in text


def _request(client, viewer, method: str, url: str) -> tuple[int, bool, bool]:
    """(status, showed therapy data, wrote an access row for this viewer), all rolled back after."""
    result: tuple[int, bool, bool] = (0, False, False)
    before = AccessLogEntry.objects.filter(viewer=viewer).count()
    try:
        with transaction.atomic():
            response = getattr(client, method)(url, REASON if method == "post" else None)
            logged = AccessLogEntry.objects.filter(viewer=viewer).count() > before
            result = (response.status_code, _shows_therapy_data(response.content), logged)
            raise _Rollback
    except _Rollback:
        pass
    return result


def crawl(client, studio: dict, urls: list[str], *, post: frozenset[str] | None = None) -> list[Finding]:
    """Every (url, method, viewer) whose answer showed therapy data, and whether it was logged.

    A page is POSTed (with a reason) when its GET answered 200 or 405: a page that refuses
    the viewer on GET does not show them more on POST. ``post`` limits which URLs are
    POSTed at all (admin forms are left to their GET: a change form shows what it edits).
    """
    found = []
    for role in VIEWERS:
        viewer = studio[role]
        client.force_login(viewer)
        for url in urls:
            status, shown, logged = _request(client, viewer, "get", url)
            if shown:
                found.append(Finding(url, "get", role, logged))
            if status in (200, 405) and (post is None or url in post):
                _status, shown, logged = _request(client, viewer, "post", url)
                if shown:
                    found.append(Finding(url, "post", role, logged))
                client.force_login(viewer)  # the POST may have been the log-out
    return found
