"""Generated from the views: no page shows a client's therapy data without an access row.

A new view that renders intake answers or notes without reading them through
privacy.access fails here, whatever its URL (tests/privacy/crawl.py walks the URL map).
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.privacy.crawl import admin_urls, crawl, site_urls

pytestmark = pytest.mark.django_db


def test_every_page_that_shows_therapy_data_logs_it(client, studio):
    site = site_urls(studio)
    found = crawl(client, studio, site + admin_urls(studio), post=frozenset(site))
    unlogged = [f for f in found if not f.logged]
    assert unlogged == []
    # The crawl reaches the pages that do show it (so an empty "unlogged" means something).
    shown = {(f.url, f.method, f.viewer) for f in found}
    session = reverse("bookings:therapist_session", args=[studio["therapy"].reference])
    record = reverse("privacy:client_record", args=[studio["client"].pk])
    assert {(session, "get", "therapist"), (record, "post", "owner")} <= shown
    # And only to whom it should: never the desk or an instructor.
    assert {f.viewer for f in found} <= {"therapist", "owner"}


@override_settings(ROOT_URLCONF="tests.privacy.leaky_urls")
def test_a_page_that_shows_a_note_without_logging_is_caught(client, studio):
    leaky = [url for url in site_urls(studio) if url.startswith("/leaky/")]  # the generator finds it
    found = crawl(client, studio, leaky)
    assert {(f.url, f.method, f.viewer) for f in found if not f.logged} == {
        (f"/leaky/{studio['therapy'].reference}/", method, role)
        for role in ("owner", "desk", "instructor", "therapist")
        for method in ("get", "post")
    }
