"""An anonymous visitor's zone comes from the cookie static/js/shala.js sets, URL-encoded."""

from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from accounts.middleware import TZ_COOKIE, viewer_zone

DEFAULT = ZoneInfo(settings.DEFAULT_VIEWER_TIME_ZONE)


def _zone_for(cookie: str) -> ZoneInfo:
    request = RequestFactory().get("/classes/")
    request.COOKIES[TZ_COOKIE] = cookie
    request.user = AnonymousUser()
    return viewer_zone(request)


def test_it_decodes_the_zone_the_browser_script_encoded():
    # encodeURIComponent("America/New_York") in shala.js
    assert _zone_for("America%2FNew_York") == ZoneInfo("America/New_York")


def test_it_still_takes_an_unencoded_zone():
    assert _zone_for("Asia/Kolkata") == ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "Mars%2FOlympus_Mons",
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "../../etc/passwd",
        "/usr/share/zoneinfo/UTC",
        "America%2FNew_York%00",
        "%E0%A4%A",
        "a" * 5000,
        "Europe/",
    ],
)
def test_it_ignores_a_cookie_that_is_not_a_zone(garbage):
    assert _zone_for(garbage) == DEFAULT


@pytest.mark.django_db
def test_an_encoded_cookie_changes_the_times_on_the_timetable(client):
    client.cookies[TZ_COOKIE] = "America%2FNew_York"
    response = client.get("/classes/")
    assert response.status_code == 200
    assert str(response.context["viewer_zone"]) == "America/New_York"
